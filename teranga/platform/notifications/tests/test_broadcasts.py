"""Staff broadcasts through HTTP: managers send a message to a segment, one notification
per person, delivered once in each person's language; who may do it (403, 404 across
tenants); every bad input is a 4xx that records nothing; the recipient cap, the
per-organisation hourly limit and the per-user throttle."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import Resolver404, include, path, resolve
from rest_framework import serializers

from teranga.core.registry import thawed
from teranga.core.serializers import Serializer
from teranga.platform.notifications import broadcasts
from teranga.platform.notifications.broadcasts import Segment, broadcast_segments
from teranga.platform.notifications.models import (
    Broadcast,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
)
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

# Until the root URLconf mounts the broadcast routes, these tests mount them themselves.
_root = import_module(settings.ROOT_URLCONF)
try:
    resolve(f"/api/v1/organizations/{'0' * 8}-0000-4000-8000-{'0' * 12}/broadcasts/")
    urlpatterns = _root.urlpatterns
except Resolver404:
    urlpatterns = [
        path("api/v1/", include("teranga.platform.notifications.api.broadcast_urls")),
        *_root.urlpatterns,
    ]
handler404 = getattr(_root, "handler404", None)
handler500 = getattr(_root, "handler500", None)
with_api = pytest.mark.urls(__name__)


class MembersParams(Serializer):
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


def members_with_role(organization, params):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        memberships__organization=organization, memberships__role=params["role"]
    )


with thawed():
    if "test.members" not in broadcast_segments:
        broadcast_segments.register(
            "test.members",
            Segment(
                label="Members with a role", params=MembersParams, recipients=members_with_role
            ),
        )


@pytest.fixture
def org(make_user):
    """An organisation with an owner, a manager, an agent and three plain members (one
    Wolof-speaking, one erased), and another organisation with its own manager."""
    organization = OrganizationFactory(name="Banque Teranga")
    people = {
        "owner": member(organization, Role.OWNER),
        "manager": member(organization, Role.MANAGER),
        "agent": member(organization, Role.AGENT),
        "awa": member(organization, Role.MEMBER, language="fr"),
        "modou": member(organization, Role.MEMBER, language="wo"),
        "gone": member(organization, Role.MEMBER),
        "staff": make_user("bstaff@example.com", is_staff=True),
    }
    people["gone"].is_active = False
    people["gone"].save()
    other = OrganizationFactory(name="Autre")
    people["other_manager"] = member(other, Role.MANAGER)
    return organization, other, people


def url(organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/broadcasts/"


def payload(**extra):
    return {
        "segment": "test.members",
        "params": {"role": "member"},
        "title": "Fermeture exceptionnelle",
        "body": "L'agence sera fermée samedi.",
        "channels": ["email", "websocket"],
        **extra,
    }


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.json()
    return response.json()["error"]


def nothing_recorded():
    assert Broadcast.objects.count() == 0
    assert Notification.objects.count() == 0


@with_api
def test_manager_sends_a_broadcast_delivered_once_in_each_language(
    org, client_for, django_capture_on_commit_callbacks
):
    organization, _other, people = org
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["manager"]).post(url(organization), payload(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["segment"] == "test.members" and data["segment_params"] == {"role": "member"}
    assert data["recipients_count"] == 2  # the erased member is left out
    assert data["channels"] == ["email", "websocket"]
    assert data["created_by"] == str(people["manager"].pk)
    broadcast = Broadcast.objects.get()
    notifications = {n.recipient_id: n for n in Notification.objects.filter(broadcast=broadcast)}
    assert set(notifications) == {people["awa"].pk, people["modou"].pk}
    awa = notifications[people["awa"].pk]
    assert awa.kind == "organization.broadcast"
    assert awa.idempotency_key == f"broadcast:{broadcast.pk}:{people['awa'].pk}"
    assert awa.title == "Fermeture exceptionnelle"
    assert awa.body.startswith("L'agence sera fermée samedi.")
    assert "Banque Teranga" in awa.body
    assert NotificationDelivery.objects.filter(notification__broadcast=broadcast).count() == 4
    assert set(NotificationDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [people["awa"].email, people["modou"].email]
    )
    # The inbox of each recipient shows it.
    inbox = client_for(people["modou"]).get("/api/v1/notifications/").json()["results"]
    assert [n["title"] for n in inbox] == ["Fermeture exceptionnelle"]
    # Listed for the organisation's managers, newest first.
    listing = client_for(people["owner"]).get(url(organization))
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [str(broadcast.pk)]


@with_api
def test_who_may_broadcast(org, client_for):
    organization, other, people = org
    for name in ("agent", "awa"):
        client = client_for(people[name])
        response = client.post(url(organization), payload(), format="json")
        assert_error(response, 403, "permission_denied")
        assert_error(client.get(url(organization)), 403, "permission_denied")
    # Another organisation's manager, and platform staff (not a member), cannot send.
    for name in ("other_manager", "staff"):
        response = client_for(people[name]).post(url(organization), payload(), format="json")
        assert_error(response, 404, "organization_not_found")
    assert_error(
        client_for(people["other_manager"]).get(url(organization)), 404, "organization_not_found"
    )
    # Staff may read the list.
    assert client_for(people["staff"]).get(url(organization)).status_code == 200
    # A manager probing another organisation, or one that does not exist: 404.
    manager = client_for(people["manager"])
    assert_error(manager.post(url(other), payload(), format="json"), 404, "organization_not_found")
    fake = "/api/v1/organizations/00000000-0000-4000-8000-000000000000/broadcasts/"
    assert_error(manager.post(fake, payload(), format="json"), 404, "organization_not_found")
    nothing_recorded()


@with_api
def test_listing_is_the_organisations_own(org, client_for, django_capture_on_commit_callbacks):
    organization, other, people = org
    member(other, Role.MEMBER)
    client_for(people["other_manager"]).post(url(other), payload(), format="json")
    assert Broadcast.objects.filter(organization=other).count() == 1
    assert client_for(people["manager"]).get(url(organization)).json()["results"] == []


@with_api
@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"segment": "nope.segment"}, 400, "unknown_segment", "segment"),
        ({"params": {"role": "emperor"}}, 400, "invalid_segment_params", "params"),
        ({"params": {"colour": "red"}}, 400, "invalid_segment_params", "params"),
        ({"params": ["member"]}, 400, "invalid_segment_params", "params"),
        ({"channels": ["fax"]}, 400, "invalid", "channels"),
        ({"channels": []}, 400, "invalid", "channels"),
        ({"title": ""}, 400, "invalid", "title"),
        ({"title": "x" * 201}, 400, "invalid", "title"),
        ({"body": "   "}, 400, "invalid", "body"),
        ({"body": "x" * 2001}, 400, "invalid", "body"),
        ({"urgent": True}, 400, "invalid", "urgent"),
        ({"params": {"role": "owner"}, "segment": "test.members"}, 201, None, None),
    ],
)
def test_bad_input_records_nothing(org, client_for, changes, status, code, field):
    organization, _other, people = org
    response = client_for(people["manager"]).post(
        url(organization), payload(**changes), format="json"
    )
    if status == 201:
        assert response.status_code == 201, response.content
        assert response.json()["recipients_count"] == 1
        return
    error = assert_error(response, status, code)
    assert field in error["fields"]
    nothing_recorded()


@with_api
def test_missing_fields_and_bad_json(org, client_for):
    organization, _other, people = org
    client = client_for(people["manager"])
    error = assert_error(client.post(url(organization), {}, format="json"), 400, "invalid")
    assert {"segment", "title", "body", "channels"} <= set(error["fields"])
    response = client.post(url(organization), "{", content_type="application/json")
    assert_error(response, 400, "malformed_request")
    nothing_recorded()


@with_api
def test_an_empty_segment_is_409(org, client_for):
    organization, _other, people = org
    Membership.objects.filter(organization=organization, role=Role.MEMBER).delete()
    response = client_for(people["manager"]).post(url(organization), payload(), format="json")
    assert_error(response, 409, "no_recipients")
    nothing_recorded()


@with_api
def test_too_many_recipients_is_409(org, client_for, monkeypatch):
    organization, _other, people = org
    monkeypatch.setattr(broadcasts, "MAX_RECIPIENTS", 1)
    response = client_for(people["manager"]).post(url(organization), payload(), format="json")
    error = assert_error(response, 409, "too_many_recipients")
    assert "1" in error["message"]
    nothing_recorded()


@with_api
@override_settings(NOTIFICATIONS_BROADCASTS_PER_HOUR=2)
def test_an_organisation_may_send_a_few_broadcasts_an_hour(org, client_for, time_machine):
    organization, _other, people = org
    time_machine.move_to("2026-03-02T10:00:00Z", tick=False)
    owner = client_for(people["owner"])
    manager = client_for(people["manager"])
    assert owner.post(url(organization), payload(), format="json").status_code == 201
    assert manager.post(url(organization), payload(), format="json").status_code == 201
    # A third one within the hour, by anyone of the organisation: refused.
    assert_error(
        owner.post(url(organization), payload(), format="json"), 429, "broadcast_limit_reached"
    )
    assert Broadcast.objects.count() == 2
    time_machine.move_to("2026-03-02T11:00:01Z", tick=False)
    owner = client_for(people["owner"])  # a fresh token after the clock moved
    assert owner.post(url(organization), payload(), format="json").status_code == 201


@with_api
def test_each_user_is_throttled(org, client_for):
    organization, _other, people = org
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "broadcasts": "1/hour"}
    framework = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=framework):
        client = client_for(people["manager"])
        assert client.post(url(organization), payload(), format="json").status_code == 201
        response = client.post(url(organization), payload(), format="json")
        assert_error(response, 429, "throttled")
        assert "Retry-After" in response.headers
        assert client.get(url(organization)).status_code == 200  # reading is not throttled
    assert Broadcast.objects.count() == 1


@with_api
def test_segments_are_listed_for_managers(org, client_for):
    organization, _other, people = org
    response = client_for(people["manager"]).get(f"{url(organization)}segments/")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()}
    assert "test.members" in names
    assert_error(
        client_for(people["agent"]).get(f"{url(organization)}segments/"), 403, "permission_denied"
    )


def test_broadcast_channels_default_to_the_types_and_push_is_offered():
    assert set(broadcasts.broadcast_type.channels) == {
        Channel.EMAIL,
        Channel.SMS,
        Channel.PUSH,
        Channel.WEBSOCKET,
        Channel.TELEGRAM,
    }


@with_api
def test_admin_lists_broadcasts_read_only(org, client_for, admin_client):
    organization, _other, people = org
    client_for(people["manager"]).post(url(organization), payload(), format="json")
    listing = admin_client.get("/admin/notifications/broadcast/")
    assert listing.status_code == 200
    assert b"Fermeture exceptionnelle" in listing.content
    assert admin_client.get("/admin/notifications/broadcast/add/").status_code == 403
