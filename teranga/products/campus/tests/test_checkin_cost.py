"""What a scan costs, over HTTP: the online validate runs a fixed handful of queries
whatever the lists and the scans before it; an upload's queries grow with its chunks
(:data:`~teranga.products.campus.services.checkin_upload.CHUNK` scans per transaction),
not with its scans; the rules hold across chunks (time order, re-entry, conflicts); and
the answers, written without a serializer per request, are exactly what their
documented serializers give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.products.campus.api import checkin_serializers as s
from teranga.products.campus.models import CheckinList, Scan, TicketPresence
from teranga.products.campus.services import checkin as services
from teranga.products.campus.services import checkin_upload
from teranga.products.campus.services.scanners import scanner_create

from .factories import EventFactory, TicketTypeFactory, issued_ticket

API = "/api/v1/campus"
#: Token check, the lists (with their types and the caller's role, one query), the
#: ticket; then the ticket lock, its presence, the scan, the presence write (and the
#: test's savepoint, twice).
VALIDATE_QUERIES = 9


@pytest.fixture
def door(campus):
    event = EventFactory(organization=campus.university)
    kind = TicketTypeFactory(event=event, name="Standard", quota=1000)
    main = CheckinList.objects.create(event=event, organization=campus.university, name="Main")
    device, token = scanner_create(organization=campus.university, name="Porte A")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Scanner {token}")
    return {"event": event, "kind": kind, "main": main, "device": client}


def validate(client, code, lists, direction="entry"):
    return client.post(
        f"{API}/tickets/validate/",
        {"code": code, "lists": [str(x.pk) for x in lists], "direction": direction},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def scans_for(door, tickets, *, start=0, minutes_ago=60, direction="entry"):
    now = timezone.now()
    return [
        {
            "nonce": f"n{start + i}",
            "code": ticket.code,
            "list": str(door["main"].pk),
            "direction": direction,
            "scanned_at": (now - timedelta(minutes=minutes_ago - i)).isoformat(),
            "local_result": "valid",
        }
        for i, ticket in enumerate(tickets)
    ]


def test_validate_runs_a_fixed_handful_of_queries(campus, door, django_assert_max_num_queries):
    agent = campus.clients["agent"]
    tickets = [issued_ticket(door["kind"], campus.student) for _ in range(3)]
    assert validate(agent, tickets[0].code, [door["main"]]).json()["result"] == "valid"
    with django_assert_max_num_queries(VALIDATE_QUERIES):
        first = validate(agent, tickets[1].code, [door["main"]])
    assert first.json()["result"] == "valid"
    # A refusal reads who let the ticket in: one more.
    with django_assert_max_num_queries(VALIDATE_QUERIES + 1):
        again = validate(agent, tickets[1].code, [door["main"]])
    assert again.json()["result"] == "already_in"
    assert again.json()["checked_in_by"] == "agent@ucad.test"
    # More lists (of another event too), more scans before: the same.
    other = CheckinList.objects.create(
        event=EventFactory(organization=campus.university),
        organization=campus.university,
        name="Ailleurs",
    )
    vip = CheckinList.objects.create(
        event=door["event"], organization=campus.university, name="VIP"
    )
    vip.ticket_types.set([TicketTypeFactory(event=door["event"], name="VIP")])
    for ticket in tickets:
        validate(agent, ticket.code, [door["main"]], direction="exit")
    with django_assert_max_num_queries(VALIDATE_QUERIES):
        response = validate(agent, tickets[2].code, [other, vip, door["main"]])
    assert response.json()["result"] == "valid"
    assert response.json()["checkin_list"] == str(door["main"].pk)


def test_upload_queries_grow_with_chunks_not_scans(campus, door, monkeypatch):
    tickets = [issued_ticket(door["kind"], campus.student) for _ in range(60)]

    def counted(scans):
        with CaptureQueriesContext(connection) as captured:
            response = door["device"].post(f"{API}/scanner/scans/", {"scans": scans}, format="json")
        assert response.status_code == 200, response.content
        return len(captured.captured_queries), response.json()["summary"]

    few, summary = counted(scans_for(door, tickets[:5]))
    assert summary == {"accepted": 5, "refused": 0, "duplicates": 0, "conflicts": 0}
    many, summary = counted(scans_for(door, tickets[5:50], start=5))
    assert summary["accepted"] == 45
    assert many <= few  # the first one also noted when the device was last seen
    # Three chunks: a few queries per chunk, none per scan.
    monkeypatch.setattr(checkin_upload, "CHUNK", 4)
    chunked, summary = counted(scans_for(door, tickets[50:60], start=50))
    assert summary["accepted"] == 10
    assert chunked < few + 2 * 8
    assert Scan.objects.filter(device__isnull=False).count() == 60


def test_rules_hold_across_chunks(campus, door, monkeypatch):
    """Chunks of two scans: an entry, a second entry two chunks later (a conflict, the
    first admission standing), an exit then a re-entry on a list that allows it, a
    re-upload of the whole batch (each scan answered as stored)."""
    monkeypatch.setattr(checkin_upload, "CHUNK", 2)
    door["main"].allow_reentry = True
    door["main"].record_exits = True
    door["main"].save()
    t0, t1, t2 = (issued_ticket(door["kind"], campus.student) for _ in range(3))
    now = timezone.now()

    def item(nonce, ticket, minutes_ago, direction="entry"):
        at = now - timedelta(minutes=minutes_ago)
        return {
            "nonce": nonce,
            "code": ticket.code,
            "list": str(door["main"].pk),
            "direction": direction,
            "scanned_at": at.isoformat(),
        }

    batch = [
        item("a", t0, 50),
        item("b", t1, 49),
        item("c", t2, 48),
        item("d", t1, 47, "exit"),
        item("e", t0, 46),  # t0 is inside: a conflict
        item("f", t1, 45),  # t1 went out: admitted again
        item("b", t1, 49),  # twice in the batch: counted once
    ]
    response = door["device"].post(
        f"{API}/scanner/scans/", {"scans": batch}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["nonce"], r["result"], r["duplicate"]) for r in body["results"]] == [
        ("a", "valid", False),
        ("b", "valid", False),
        ("c", "valid", False),
        ("d", "valid", False),
        ("e", "conflict", False),
        ("f", "valid", False),
        ("b", "valid", True),
    ]
    conflict = body["results"][4]
    assert conflict["checked_in_by"] == "Porte A"
    assert conflict["checked_in_at"].startswith(
        (now - timedelta(minutes=50)).astimezone(timezone.get_current_timezone()).isoformat()[:16]
    )
    assert body["summary"] == {"accepted": 5, "refused": 0, "duplicates": 1, "conflicts": 1}
    presences = {p.ticket_id: p for p in TicketPresence.objects.filter(checkin_list=door["main"])}
    assert presences[t0.pk].inside and presences[t1.pk].inside and presences[t2.pk].inside
    assert presences[t1.pk].last_scan.nonce == "f"
    assert presences[t0.pk].last_scan.nonce == "a"
    again = door["device"].post(f"{API}/scanner/scans/", {"scans": batch}, format="json").json()
    assert [r["duplicate"] for r in again["results"]] == [True] * 7
    assert Scan.objects.filter(device__isnull=False).count() == 6


def test_answers_are_what_their_serializers_document(campus, door):
    agent = campus.users["agent"]
    ticket = issued_ticket(door["kind"], campus.student)
    outcomes = [
        services.ticket_validate(user=agent, code=ticket.code, list_ids=[door["main"].pk]),
        services.ticket_validate(user=agent, code=ticket.code, list_ids=[door["main"].pk]),
        services.ticket_validate(user=agent, code="NOPE", list_ids=[door["main"].pk]),
    ]
    assert [o.result for o in outcomes] == ["valid", "already_in", "unknown"]
    for outcome in outcomes:
        assert s.scan_outcome_data(outcome) == s.ScanOutcomeSerializer(outcome).data
    other = issued_ticket(door["kind"], campus.student2)
    device = door["main"].organization.campus_scanners.get()
    report = checkin_upload.scans_upload(
        device=device,
        scans=[
            {
                "nonce": nonce,
                "code": code,
                "list": str(door["main"].pk),
                "direction": "entry",
                "scanned_at": timezone.now() - timedelta(minutes=5),
            }
            for nonce, code in (("x", other.code), ("y", ticket.code), ("z", "NOPE"))
        ],
    )
    assert [o.result for o in report.outcomes] == ["valid", "conflict", "unknown"]
    assert s.upload_report_data(report) == s.UploadReportSerializer(report).data
