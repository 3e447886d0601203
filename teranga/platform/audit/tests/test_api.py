"""The audit log's API (permissions, filters, cursor, query count), its append-only
guarantee, the retention job and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.platform.audit.models import AuditAction, AuditEntry, AuditLogImmutable
from teranga.platform.audit.services import audit_entries_purge, audit_record
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member, organization_with_owner, user

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


def entry(organization, *, actor=None, action=AuditAction.ORGANIZATION_UPDATED, n=0):
    return audit_record(
        action=action,
        actor=actor,
        organization=organization,
        object_type="organizations.organization",
        object_id=organization.pk,
        summary=f"change {n}",
        before={"name": f"v{n}"},
        after={"name": f"v{n + 1}"},
    )


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


@pytest.fixture
def tenant():
    organization, owner = organization_with_owner(name="Alpha")
    people = {Role.OWNER: owner}
    for role in (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.MEMBER):
        people[role] = member(organization, role)
    entry(organization, actor=owner)
    return organization, people


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MANAGER])
def test_managers_and_above_read_the_log(client_for, tenant, role):
    organization, people = tenant
    response = client_for(people[role]).get(URL, {"organization": str(organization.pk)})
    assert response.status_code == 200, response.content
    assert [row["summary"] for row in response.json()["results"]] == ["change 0"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.MEMBER])
def test_lower_roles_get_403(client_for, tenant, role):
    organization, people = tenant
    response = client_for(people[role]).get(URL, {"organization": str(organization.pk)})
    assert_error(response, 403, "permission_denied")


def test_another_organisation_is_404_and_staff_read_any(client_for, tenant):
    organization, _people = tenant
    _other, stranger = organization_with_owner(name="Bravo")
    assert_error(
        client_for(stranger).get(URL, {"organization": str(organization.pk)}),
        404,
        "organization_not_found",
    )
    assert_error(
        client_for(stranger).get(URL, {"organization": "not-a-uuid"}), 404, "organization_not_found"
    )
    staff = client_for(user(is_staff=True))
    assert staff.get(URL, {"organization": str(organization.pk)}).status_code == 200


def test_organisation_is_required_and_anonymous_is_401(client_for, tenant):
    organization, people = tenant
    error = assert_error(client_for(people[Role.OWNER]).get(URL), 400, "invalid")
    assert "organization" in error["fields"]
    assert APIClient().get(URL, {"organization": str(organization.pk)}).status_code == 401
    assert APIClient().get("/api/v1/me/audit/").status_code == 401


def test_my_log_holds_only_my_entries(client_for, tenant):
    organization, people = tenant
    manager = people[Role.MANAGER]
    entry(organization, actor=manager, n=1)
    audit_record(action=AuditAction.MEMBER_ROLE_CHANGED, organization=organization, subject=manager)
    client = client_for(manager)  # its sign-in is logged too
    rows = client.get("/api/v1/me/audit/").json()["results"]
    assert {row["action"] for row in rows} == {
        AuditAction.SIGN_IN,
        AuditAction.ORGANIZATION_UPDATED,
        AuditAction.MEMBER_ROLE_CHANGED,
    }
    assert "change 0" not in [row["summary"] for row in rows]  # the owner's


# --- Filters, cursor, queries -----------------------------------------------------------------


def test_filters(client_for, tenant):
    organization, people = tenant
    owner, admin = people[Role.OWNER], people[Role.ADMIN]
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        entry(organization, actor=admin, n=7)
    audit_record(action=AuditAction.MEMBER_REMOVED, actor=admin, organization=organization)
    client = client_for(owner)

    def summaries(**params):
        response = client.get(URL, {"organization": str(organization.pk), **params})
        assert response.status_code == 200, response.content
        return [row["action"] + ":" + row["summary"] for row in response.json()["results"]]

    assert len(summaries()) == 3
    assert summaries(action=AuditAction.MEMBER_REMOVED) == ["organization.member_removed:"]
    assert len(summaries(actor=str(admin.pk))) == 2
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert "organization.updated:change 7" not in summaries(**{"from": since})
    assert summaries(to=since) == ["organization.updated:change 7"]
    assert_error(
        client.get(URL, {"organization": str(organization.pk), "action": "nope"}), 400, "invalid"
    )
    assert_error(
        client.get(URL, {"organization": str(organization.pk), "from": "yesterday"}),
        400,
        "invalid",
    )


def test_cursor_pages_and_query_count(client_for, tenant):
    organization, people = tenant
    client = client_for(people[Role.OWNER])
    url = f"{URL}?organization={organization.pk}&page_size=2"
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    assert len(first.json()["results"]) == 1
    for n in range(1, 6):
        entry(organization, actor=people[Role.ADMIN], n=n)
    big = f"{URL}?organization={organization.pk}&page_size=6"
    with CaptureQueriesContext(connection) as six:
        response = client.get(big)
    assert len(response.json()["results"]) == 6
    assert len(one.captured_queries) == len(six.captured_queries)
    # Cursor pages walk the whole feed once, newest first.
    seen, page = [], client.get(url).json()
    for _ in range(10):
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == 6
    assert "count" not in page


# --- Append-only, retention, admin ------------------------------------------------------------


def test_entries_are_append_only(tenant):
    organization, _people = tenant
    stored = AuditEntry.objects.get()
    stored.summary = "rewritten"
    with pytest.raises(AuditLogImmutable):
        stored.save()
    with pytest.raises(AuditLogImmutable):
        stored.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=stored.pk).update(summary="rewritten")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().summary == "change 0"


def test_retention_job_deletes_only_old_entries(tenant, settings):
    organization, people = tenant
    settings.AUDIT_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        entry(organization, actor=people[Role.ADMIN], n=1)
        entry(organization, actor=people[Role.ADMIN], n=2)
    assert AuditEntry.objects.count() == 3
    assert audit_entries_purge() == 2
    assert list(AuditEntry.objects.values_list("summary", flat=True)) == ["change 0"]
    assert audit_entries_purge() == 0


def test_retention_task_is_scheduled():
    from teranga.platform.audit import tasks

    assert tasks.audit_entries_purge_periodic.name == "audit.entries_purge"


def test_admin_is_read_only(client, tenant):
    staff = user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    stored = AuditEntry.objects.get()
    listing = client.get("/admin/audit/auditentry/", {"q": "change"})
    assert listing.status_code == 200 and b"organization.updated" in listing.content
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    page = client.get(f"/admin/audit/auditentry/{stored.pk}/change/")
    assert page.status_code == 200
    assert client.post(f"/admin/audit/auditentry/{stored.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/audit/auditentry/{stored.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=stored.pk).exists()
