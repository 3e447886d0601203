"""The queue through HTTP: who sees which cases, approving and removing (the kind's
callbacks, 409 on a second decision), the log (staff only), query counts."""

from __future__ import annotations

import pytest

from teranga.platform.moderation.models import (
    CaseStatus,
    LogAction,
    ModerationCase,
    ModerationLogEntry,
)
from teranga.platform.moderation.services import check, record_block, record_flag, report
from teranga.platform.moderation.verdicts import Verdict

pytestmark = pytest.mark.django_db

URL = "/api/v1/moderation/cases/"


def flag(test_kind, organization, object_id="n1", text="une arnaque", author=None):
    verdict = check(text, kind=test_kind.name, author=author)
    assert verdict.flagged
    return record_flag(
        verdict,
        kind=test_kind.name,
        object_id=object_id,
        author=author,
        organization=organization,
        scope="testing.room:1",
        text=text,
    )


def test_owners_and_admins_see_their_organisations_cases_only(test_kind, orgs):
    mine = flag(test_kind, orgs.one.organization, "n1")
    theirs = flag(test_kind, orgs.two.organization, "n2")
    for user in (orgs.one.owner, orgs.one.admin):
        response = user.api.get(URL)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(mine.pk)]
        row = response.json()["results"][0]
        assert row["kind_label"] == "Test note"
        assert row["reasons"] == [{"code": "keyword", "reason": "flagged word: arnaque"}]
        assert row["link"].endswith("/o/testing.note/n1/")
        assert user.api.get(f"{URL}{theirs.pk}/").status_code == 404
        assert user.api.get(f"{URL}{mine.pk}/").json()["excerpt"] == "une arnaque"
    for user in (orgs.one.member, orgs.outsider):
        assert user.api.get(URL).json()["results"] == []
        detail = user.api.get(f"{URL}{mine.pk}/")
        assert detail.status_code == 404
        assert detail.json()["error"]["code"] == "case_not_found"
    staff = orgs.staff.api.get(URL).json()["results"]
    assert {row["id"] for row in staff} == {str(mine.pk), str(theirs.pk)}


def test_filters(test_kind, orgs):
    first = flag(test_kind, orgs.one.organization, "n1")
    flag(test_kind, orgs.two.organization, "n2")
    api = orgs.staff.api
    ids = lambda response: [row["id"] for row in response.json()["results"]]  # noqa: E731
    assert ids(api.get(URL, {"organization": str(orgs.one.organization.pk)})) == [str(first.pk)]
    assert len(ids(api.get(URL, {"kind": test_kind.name}))) == 2
    assert ids(api.get(URL, {"kind": "other.kind"})) == []
    api.post(f"{URL}{first.pk}/approve/", {}, format="json")
    assert len(ids(api.get(URL))) == 1  # open by default
    assert ids(api.get(URL, {"status": "approved"})) == [str(first.pk)]
    bad = api.get(URL, {"status": "lost"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_approve_then_409(test_kind, orgs):
    case = flag(test_kind, orgs.one.organization, "n1")
    api = orgs.one.admin.api
    response = api.post(f"{URL}{case.pk}/approve/", {"note": "fine"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["note"], body["decided_by"]) == (
        "approved",
        "fine",
        str(orgs.one.admin.pk),
    )
    assert test_kind.restored == ["n1"] and test_kind.removed == []
    again = api.post(f"{URL}{case.pk}/remove/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "case_already_decided"
    assert test_kind.removed == []
    actions = list(
        ModerationLogEntry.objects.filter(case=case)
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == [LogAction.FLAGGED, LogAction.APPROVED]


def test_remove_calls_on_remove(test_kind, orgs):
    case = flag(test_kind, orgs.one.organization, "n1")
    response = orgs.one.owner.api.post(f"{URL}{case.pk}/remove/", {"note": "spam"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "removed"
    assert test_kind.removed == ["n1"]
    assert orgs.one.owner.api.post(f"{URL}{case.pk}/remove/", {}, format="json").status_code == 409
    assert test_kind.removed == ["n1"]
    # The object can be flagged again: a new case.
    assert flag(test_kind, orgs.one.organization, "n1").pk != case.pk


def test_decisions_refuse_others_and_bad_input(test_kind, orgs):
    case = flag(test_kind, orgs.one.organization, "n1")
    for user in (orgs.two.owner, orgs.one.member, orgs.outsider):
        response = user.api.post(f"{URL}{case.pk}/remove/", {}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "case_not_found"
    too_long = orgs.one.owner.api.post(
        f"{URL}{case.pk}/approve/", {"note": "x" * 2001}, format="json"
    )
    assert too_long.status_code == 400
    unknown = orgs.one.owner.api.post(f"{URL}{case.pk}/approve/", {"verdict": 1}, format="json")
    assert unknown.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and test_kind.removed == []
    assert orgs.staff.api.post(f"{URL}{case.pk}/remove/", {}, format="json").status_code == 200


def test_anonymous_is_refused(test_kind, api):
    assert api.get(URL).status_code == 401


def test_record_flag_joins_the_open_case(test_kind, orgs):
    case = flag(test_kind, orgs.one.organization, "n1")
    again = flag(test_kind, orgs.one.organization, "n1")  # same reason: nothing new
    assert again.pk == case.pk
    third = record_flag(
        Verdict("flag", "link shortener: bit.ly", "links"),
        kind=test_kind.name,
        object_id="n1",
        author=None,
        organization=orgs.one.organization,
        text="une arnaque https://bit.ly/x",
    )
    assert third.pk == case.pk
    assert ModerationCase.objects.count() == 1
    third.refresh_from_db()
    assert [r["code"] for r in third.reasons] == ["keyword", "links"]
    assert ModerationLogEntry.objects.filter(action=LogAction.FLAGGED).count() == 2


def test_reports_open_or_join_the_case_once_per_user(test_kind, orgs, settings):
    case = report(
        orgs.one.member,
        kind=test_kind.name,
        object_id="n9",
        organization=orgs.one.organization,
        text="un texte",
        reason="insulting",
    )
    assert case.reports == 1 and case.reasons == [{"code": "report", "reason": "insulting"}]
    report(orgs.one.member, kind=test_kind.name, object_id="n9", organization=orgs.one.organization)
    report(orgs.outsider, kind=test_kind.name, object_id="n9", organization=orgs.one.organization)
    case.refresh_from_db()
    assert case.reports == 2
    assert case.reasons == [
        {"code": "report", "reason": "insulting"},
        {"code": "report", "reason": "reported"},
    ]
    assert ModerationLogEntry.objects.filter(action=LogAction.REPORTED).count() == 2
    settings.MODERATION_REPORTS_PER_HOUR = 2
    from teranga.platform.moderation.errors import TooManyReports

    with pytest.raises(TooManyReports):
        report(orgs.one.member, kind=test_kind.name, object_id="n10")


def test_the_log_is_staff_only_and_keeps_blocked_attempts(test_kind, orgs):
    verdict = check("connard", kind=test_kind.name, author=orgs.outsider)
    record_block(
        verdict,
        kind=test_kind.name,
        author=orgs.outsider,
        organization=orgs.one.organization,
        text="connard " + "x" * 900,
    )
    flag(test_kind, orgs.one.organization, "n1")
    for user in (orgs.one.owner, orgs.outsider):
        response = user.api.get("/api/v1/moderation/log/")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    response = orgs.staff.api.get("/api/v1/moderation/log/", {"action": "blocked"})
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["reason"] == "blocked word: connard"
    assert entry["actor"] == str(orgs.outsider.pk)
    assert entry["excerpt"].startswith("connard") and len(entry["excerpt"]) == 500
    assert ModerationCase.objects.filter(action="block").count() == 0  # nothing stored
    everything = orgs.staff.api.get("/api/v1/moderation/log/").json()["results"]
    assert [e["action"] for e in everything] == ["flagged", "blocked"]


@pytest.mark.parametrize("size", [2, 20])
def test_queue_query_count_does_not_grow(test_kind, orgs, size, django_assert_max_num_queries):
    for n in range(size):
        flag(test_kind, orgs.one.organization, f"n{n}", author=orgs.one.member)
    for user in (orgs.one.owner, orgs.staff):
        with django_assert_max_num_queries(6):
            response = user.api.get(URL, {"page_size": size})
        assert len(response.json()["results"]) == size
    with django_assert_max_num_queries(6):
        response = orgs.staff.api.get("/api/v1/moderation/log/", {"page_size": size})
    assert len(response.json()["results"]) == size
