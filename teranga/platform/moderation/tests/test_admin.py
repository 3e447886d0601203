"""The admin: the three models' pages render; the queue's actions go through the
services; terms are editable and take effect at once; the log is read-only."""

from __future__ import annotations

import pytest

from conftest import create_user
from teranga.platform.moderation.models import (
    CaseStatus,
    ModerationCase,
    ModerationLogEntry,
    ModerationTerm,
)
from teranga.platform.moderation.services import check, record_block, record_flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = create_user("admin-moderation@example.test", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def _case(test_kind, object_id):
    verdict = check("une arnaque", kind=test_kind.name, author=None)
    return record_flag(
        verdict, kind=test_kind.name, object_id=object_id, author=None, text="une arnaque"
    )


def test_pages_render(staff_client, test_kind):
    case = _case(test_kind, "n1")
    record_block(
        check("connard", kind=test_kind.name, author=None),
        kind=test_kind.name,
        author=None,
        text="connard",
    )
    term = ModerationTerm.objects.create(term="jargon")
    entry = ModerationLogEntry.objects.first()
    for url in (
        "/admin/moderation/moderationcase/",
        "/admin/moderation/moderationcase/?status__exact=open&q=arnaque",
        f"/admin/moderation/moderationcase/{case.pk}/change/",
        "/admin/moderation/moderationlogentry/",
        f"/admin/moderation/moderationlogentry/{entry.pk}/change/",
        "/admin/moderation/moderationterm/",
        "/admin/moderation/moderationterm/add/",
        f"/admin/moderation/moderationterm/{term.pk}/change/",
    ):
        assert staff_client.get(url).status_code == 200, url
    listing = staff_client.get("/admin/moderation/moderationcase/").content.decode()
    assert "une arnaque" in listing
    # Read-only: no add page for the queue and the log.
    assert staff_client.get("/admin/moderation/moderationcase/add/").status_code == 403
    assert staff_client.get("/admin/moderation/moderationlogentry/add/").status_code == 403


def test_actions_go_through_the_services(staff_client, test_kind):
    first, second = _case(test_kind, "n1"), _case(test_kind, "n2")
    response = staff_client.post(
        "/admin/moderation/moderationcase/",
        {"action": "remove_cases", "_selected_action": [str(first.pk)]},
    )
    assert response.status_code == 302
    response = staff_client.post(
        "/admin/moderation/moderationcase/",
        {"action": "approve_cases", "_selected_action": [str(first.pk), str(second.pk)]},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CaseStatus.REMOVED, CaseStatus.APPROVED)
    assert first.decided_by == staff_client.admin
    assert test_kind.removed == ["n1"] and test_kind.restored == ["n2"]
    assert ModerationLogEntry.objects.filter(action="removed").count() == 1


def test_terms_are_edited_in_the_admin(staff_client):
    response = staff_client.post(
        "/admin/moderation/moderationterm/add/",
        {
            "term": "mot tabou",
            "kind": "keyword",
            "language": "fr",
            "action": "block",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert check("un mot tabou", kind="testing.note", author=None).blocked
    term = ModerationTerm.objects.get()
    response = staff_client.post(
        f"/admin/moderation/moderationterm/{term.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert check("un mot tabou", kind="testing.note", author=None).allowed
    bad = staff_client.post(
        "/admin/moderation/moderationterm/add/",
        {"term": "(oops", "kind": "regex", "language": "any", "action": "flag", "active": "on"},
    )
    assert bad.status_code == 200 and not ModerationTerm.objects.exists()
    assert ModerationCase.objects.count() == 0
