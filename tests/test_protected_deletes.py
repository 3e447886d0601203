"""Deleting what other rows depend on never answers 500 (issue 24, item 1).

* The API's deletes of objects that rows must outlive (``on_delete=PROTECT`` or
  ``RESTRICT`` pointing at them, directly or through a cascade) refuse with their own 409
  or archive instead, and change nothing they must keep.
* Under them, the error handler's net: a ``ProtectedError`` or ``RestrictedError`` that
  escapes a service answers 409 ``in_use``, naming the kinds of rows in the way and never
  a row. Shown through HTTP with a view of this module that deletes without checking
  (what a service that forgot its check would do): no public endpoint lets one escape.
* Every such model is classified, and each API delete of one documents 409 ``in_use``.
"""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.db import models
from django.db.models import RestrictedError
from django.urls import path
from django.utils import translation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as public_urlpatterns
from teranga.platform.organizations.models import Branch, Membership, Organization, Role
from teranga.platform.organizations.tests.factories import member
from teranga.products.smartqueue.models import Queue, QueueService, Ticket
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
)
from tests.writes import unchanged

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

API = "/api/v1"


class UncheckedQueueDelete(APIView):
    """Deletes a queue with no check at all: only the error handler stands between a
    queue with tickets and a 500. ``?restricted=1`` raises what ``RESTRICT`` raises (no
    model of ours uses it yet), built as Django's collector builds it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def delete(self, request, queue_id):
        queue = Queue.objects.get(pk=queue_id)
        if request.query_params.get("restricted"):
            rows = set(Ticket.objects.filter(queue=queue)) | {queue.service}
            raise RestrictedError("Cannot delete: restricted foreign keys.", rows)
        queue.delete()
        return Response(status=204)


urlpatterns = [
    path("unchecked/queues/<uuid:queue_id>/", UncheckedQueueDelete.as_view()),
    *public_urlpatterns,
]


@pytest.fixture
def queue_with_ticket():
    queue = QueueFactory(branch=DakarBranchFactory())
    ticket_issue(queue=queue, channel="kiosk", check_open=False)
    return queue


def _kept(queue):
    """What deleting the queue, its branch or its organisation must leave alone."""
    org = queue.organization
    return (
        org,
        queue,
        queue.branch,
        queue.service,
        Ticket.objects.filter(organization=org),
        Queue.objects.filter(organization=org),
        Membership.objects.filter(organization=org),
    )


# --- The net ----------------------------------------------------------------------------


def test_a_protected_error_escaping_a_service_answers_409_in_use(api, queue_with_ticket, caplog):
    queue = queue_with_ticket
    ticket = Ticket.objects.get(queue=queue)
    with caplog.at_level(logging.WARNING, logger="teranga.core.errors"), unchanged(*_kept(queue)):
        response = api.delete(f"/unchecked/queues/{queue.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "in_use" and error["fields"] == {}
    assert error["message"] == "This cannot be deleted: other records depend on it (tickets)."
    # the log names the models, never a row
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.name == "teranga.core.errors" and r.levelno == logging.WARNING
    ]
    assert any("smartqueue.Ticket" in line for line in logged), logged
    assert not any(str(ticket.pk) in line or str(queue.pk) in line for line in logged)


def test_a_restricted_error_answers_409_in_use_naming_each_kind(api, queue_with_ticket):
    queue = queue_with_ticket
    with unchanged(*_kept(queue)):
        response = api.delete(
            f"/unchecked/queues/{queue.pk}/?restricted=1", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "in_use"
    # each kind once, sorted, in the request's language; no id of any row
    with translation.override("en"):
        expected = ", ".join(sorted([str(QueueService._meta.verbose_name_plural), "tickets"]))
    assert error["message"].split("(", 1)[1] == f"{expected})."
    assert str(queue.service_id) not in error["message"]


# --- The API's deletes check first ------------------------------------------------------


def test_a_branch_with_a_queue_and_its_tickets_is_refused(client_for, queue_with_ticket):
    queue = queue_with_ticket
    manager = client_for(member(queue.organization, Role.MANAGER))
    with unchanged(*_kept(queue)):
        response = manager.delete(
            f"{API}/organizations/{queue.organization_id}/branches/{queue.branch_id}/"
        )
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "branch_in_use"


def test_an_organisation_with_tickets_is_refused(client_for, queue_with_ticket):
    queue = queue_with_ticket
    owner = client_for(member(queue.organization, Role.OWNER))
    with unchanged(*_kept(queue)):
        response = owner.delete(f"{API}/organizations/{queue.organization_id}/")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "organization_in_use"


def test_a_queue_with_tickets_is_archived_not_deleted(client_for, queue_with_ticket):
    queue = queue_with_ticket
    manager = client_for(member(queue.organization, Role.MANAGER))
    ticket = Ticket.objects.get(queue=queue)
    with unchanged(queue.organization, queue.branch, queue.service):
        response = manager.delete(f"{API}/smartqueue/queues/{queue.pk}/")
    assert response.status_code == 204, response.content
    queue.refresh_from_db()
    assert (queue.is_active, queue.is_open) == (False, False)
    assert list(Ticket.objects.filter(queue=queue)) == [ticket]  # kept (and expired)


def test_deletes_without_protected_rows_still_delete(client_for):
    """The checks refuse only what must be kept: an empty branch goes."""
    org = BankFactory()
    branch = Branch.objects.create(organization=org, name="Vide")
    manager = client_for(member(org, Role.MANAGER))
    response = manager.delete(f"{API}/organizations/{org.pk}/branches/{branch.pk}/")
    assert response.status_code == 204, response.content
    assert not Branch.objects.filter(pk=branch.pk).exists()
    assert Organization.objects.filter(pk=org.pk).exists()


# --- Every protected model is classified, every API delete of one documents 409 ----------

#: Each model that rows protect (``PROTECT``/``RESTRICT`` on it, or on what it cascades
#: to) -> the operations of the API that delete it (none: the API never deletes it).
PROTECTED_MODELS: dict[str, set[str]] = {
    # A user is erased (``DELETE /me/``: personal data wiped, the row kept), never deleted
    # through the API: orders and tickets keep their buyer and holder.
    "accounts.User": set(),
    # The API never deletes a formation (a manager unpublishes it).
    "academy.Formation": set(),
    # The API never deletes a signal plan (a manager deactivates it).
    "academy.SignalPlan": set(),
    "analytics.Goal": {"analytics_sites_goals_destroy"},
    # A site is deactivated (PATCH); the admin deletes one.
    "analytics.Site": set(),
    "booking.Service": {"booking_services_destroy"},
    "campus.Event": {"campus_events_manage_destroy"},
    "campus.Order": set(),
    "campus.TicketType": {"campus_ticket_types_destroy"},
    "geo.Department": set(),
    "geo.Region": set(),
    "invoicing.Invoice": set(),
    "organizations.Branch": {"organizations_branches_destroy"},
    "organizations.Organization": {"organizations_destroy"},
    "payments.Coupon": {"coupons_destroy"},
    "payments.Payment": set(),
    "payments.Plan": set(),
    "payments.Refund": set(),
    "scheduling.Resource": {"booking_resources_destroy"},
    "smartqueue.Queue": {"smartqueue_queues_destroy"},
    "smartqueue.QueueService": {"smartqueue_services_destroy"},
}


def _protected_models() -> set[str]:
    """Every model whose delete rows can refuse: a ``PROTECT``/``RESTRICT`` link points
    at it, or at a model its delete cascades to."""
    links: dict[type, list] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and (field.many_to_one or field.one_to_one):
                links.setdefault(field.related_model, []).append(field)

    def refused(model, seen) -> bool:
        if model in seen:
            return False
        seen.add(model)
        for field in links.get(model, ()):
            on_delete = field.remote_field.on_delete
            if on_delete in (models.PROTECT, models.RESTRICT):
                return True
            if on_delete is models.CASCADE and refused(field.model, seen):
                return True
        return False

    return {model._meta.label for model in apps.get_models() if refused(model, set())}


def test_every_protected_model_is_classified():
    found = _protected_models()
    assert found == set(PROTECTED_MODELS), (
        "say which API operations delete these models (and document 409 `in_use` on "
        f"them): new {sorted(found - set(PROTECTED_MODELS))}, "
        f"gone {sorted(set(PROTECTED_MODELS) - found)}"
    )


def test_every_api_delete_of_a_protected_model_documents_409_in_use(api):
    schema = api.get("/api/schema/?format=json").json()
    operations = {
        operation["operationId"]: operation
        for methods in schema["paths"].values()
        for method, operation in methods.items()
        if method == "delete"
    }
    for label, operation_ids in PROTECTED_MODELS.items():
        for operation_id in operation_ids:
            operation = operations[operation_id]
            assert "in_use" in operation.get("x-error-codes", {}).get("409", []), (
                label,
                operation_id,
            )
            assert "`in_use`" in operation["responses"]["409"]["description"], operation_id
