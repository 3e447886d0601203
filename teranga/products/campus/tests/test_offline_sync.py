"""Offline check-in over HTTP, as a scanner device: the signed delta sync and the upload
of scans decided offline (each counted once per nonce, applied in time order,
conflicts reported)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.products.campus.models import CheckinList, Scan, TicketPresence

from .factories import EventFactory, TicketTypeFactory, issued_ticket

API = "/api/v1/campus"


@pytest.fixture
def setup(campus):
    event = EventFactory(organization=campus.university)
    standard = TicketTypeFactory(event=event, name="Standard")
    vip = TicketTypeFactory(event=event, name="VIP")
    main = CheckinList.objects.create(event=event, organization=campus.university, name="Main")
    vip_door = CheckinList.objects.create(event=event, organization=campus.university, name="VIP")
    vip_door.ticket_types.set([vip])
    created = (
        campus.clients["manager"]
        .post(
            f"{API}/organizations/{campus.university.pk}/scanners/",
            {"name": "Porte A"},
            format="json",
        )
        .json()
    )
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Scanner {created['token']}")
    tickets = [issued_ticket(standard, campus.student) for _ in range(3)]
    tickets.append(issued_ticket(vip, campus.student2))
    return {
        "event": event,
        "main": main,
        "vip_door": vip_door,
        "device": device,
        "key": created["signing_key"],
        "device_id": created["id"],
        "tickets": tickets,
    }


def sync(setup, **params):
    query = "&".join(f"{k}={v}" for k, v in {"event": setup["event"].pk, **params}.items())
    return setup["device"].get(f"{API}/scanner/sync/?{query}")


def signature_ok(body: dict, key: str) -> bool:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, body["signature"])


def upload(setup, scans):
    return setup["device"].post(
        f"{API}/scanner/scans/", {"scans": scans}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )


def scan(setup, nonce, ticket, *, minutes_ago=10, direction="entry", door="main", **extra):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {
        "nonce": nonce,
        "code": ticket.code if hasattr(ticket, "code") else ticket,
        "list": str(setup[door].pk),
        "direction": direction,
        "scanned_at": at.isoformat(),
        **extra,
    }


# --- Sync -------------------------------------------------------------------------------


def test_sync_is_signed_paged_and_delta(campus, setup, django_assert_max_num_queries):
    response = sync(setup)
    assert response.status_code == 200, response.content
    body = response.json()
    assert signature_ok(body, setup["key"])
    assert [row["name"] for row in body["lists"]] == ["Main", "VIP"]
    assert body["lists"][1]["ticket_types"] == [str(setup["tickets"][3].ticket_type_id)]
    assert {t["code"] for t in body["tickets"]} == {t.code for t in setup["tickets"]}
    assert body["has_more"] is False
    row = next(t for t in body["tickets"] if t["code"] == setup["tickets"][3].code)
    assert row["holder_name"] == "student2@ucad.test" and row["ticket_type_name"] == "VIP"
    assert row["status"] == "valid" and row["presence"] == []
    # Tampering is detected.
    tampered = {**body, "has_more": True}
    assert not signature_ok(tampered, setup["key"])
    with time_machine.travel(timezone.now(), tick=True) as clock:
        # The last seconds are sent again (a change may commit late), then nothing.
        clock.shift(timedelta(seconds=10))
        settled = sync(setup, cursor=body["cursor"]).json()
        assert {t["code"] for t in settled["tickets"]} == {t.code for t in setup["tickets"]}
        again = sync(setup, cursor=settled["cursor"]).json()
        assert again["tickets"] == [] and again["cursor"] == settled["cursor"]
        # A ticket admitted online comes again, with its presence; a new ticket too.
        admitted = setup["tickets"][0]
        campus.clients["agent"].post(
            f"{API}/tickets/validate/",
            {"code": admitted.code, "lists": [str(setup["main"].pk)]},
            format="json",
        )
        fresh = issued_ticket(admitted.ticket_type, campus.student2)
        clock.shift(timedelta(seconds=10))
        delta = sync(setup, cursor=again["cursor"]).json()
        assert signature_ok(delta, setup["key"])
        assert [t["code"] for t in delta["tickets"]] == [admitted.code, fresh.code]
        presence = delta["tickets"][0]["presence"]
        assert presence[0]["list"] == str(setup["main"].pk) and presence[0]["inside"] is True
        assert sync(setup, cursor=delta["cursor"]).json()["tickets"] == []
    # Paged: at most `limit` at a time, in order, none lost.
    seen, cursor, pages = [], "", 0
    while True:
        page = sync(setup, cursor=cursor, limit=2).json()
        seen += [t["code"] for t in page["tickets"]]
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    assert pages == 3 and len(seen) == 5 == len(set(seen))
    # Queries do not grow with the batch.
    for _ in range(30):
        issued_ticket(admitted.ticket_type, campus.student)
    with django_assert_max_num_queries(10):
        assert len(sync(setup, limit=5).json()["tickets"]) == 5
    with django_assert_max_num_queries(10):
        assert len(sync(setup, limit=500).json()["tickets"]) == 35


def test_sync_refusals(campus, setup):
    foreign = EventFactory(organization=campus.other)
    response = setup["device"].get(f"{API}/scanner/sync/?event={foreign.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
    response = sync(setup, cursor="forged")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_sync_cursor"
    # A cursor of another event of the organiser.
    other = EventFactory(organization=campus.university)
    issued_ticket(TicketTypeFactory(event=other), campus.student)
    cursor = setup["device"].get(f"{API}/scanner/sync/?event={other.pk}").json()["cursor"]
    assert sync(setup, cursor=cursor).status_code == 400
    assert setup["device"].get(f"{API}/scanner/sync/").status_code == 400
    assert APIClient().get(f"{API}/scanner/sync/?event={setup['event'].pk}").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Scanner tcs_nope")
    assert bad.get(f"{API}/scanner/sync/?event={setup['event'].pk}").status_code == 401


# --- Upload -----------------------------------------------------------------------------


def test_upload_counts_each_scan_once(campus, setup):
    t0, t1, t2, vip = setup["tickets"]
    scans = [
        scan(setup, "a", t0),
        scan(setup, "b", t1),
        scan(setup, "c", "TERANGA-CAMPUS:NOSUCHCODE"),
        scan(setup, "d", t2, door="vip_door"),
        scan(setup, "e", vip, door="vip_door"),
    ]
    first = upload(setup, scans)
    assert first.status_code == 200, first.content
    body = first.json()
    assert [r["result"] for r in body["results"]] == [
        "valid",
        "valid",
        "unknown",
        "not_on_list",
        "valid",
    ]
    assert body["summary"] == {"accepted": 3, "refused": 2, "duplicates": 0, "conflicts": 0}
    assert body["results"][0]["checked_in_by"] == "Porte A"
    # Re-uploaded with one new scan: the old ones are not counted again.
    again = upload(setup, [*scans, scan(setup, "f", t0, minutes_ago=1)]).json()
    assert again["summary"] == {"accepted": 0, "refused": 0, "duplicates": 5, "conflicts": 1}
    assert [r["duplicate"] for r in again["results"]] == [True] * 5 + [False]
    assert [r["result"] for r in again["results"][:5]] == [r["result"] for r in body["results"]]
    # Twice in one batch: once.
    twice = upload(setup, [scan(setup, "g", t1, minutes_ago=2)] * 2).json()
    assert twice["summary"]["duplicates"] == 1
    assert Scan.objects.count() == 7


def test_upload_applies_in_time_order_and_reports_conflicts(campus, setup):
    setup["main"].allow_reentry = True
    setup["main"].record_exits = True
    setup["main"].save()
    t0, t1, t2, _ = setup["tickets"]
    # Sent out of order: entry at -30, exit at -20, entry at -10.
    body = upload(
        setup,
        [
            scan(setup, "3", t0, minutes_ago=10),
            scan(setup, "2", t0, minutes_ago=20, direction="exit"),
            scan(setup, "1", t0, minutes_ago=30),
        ],
    ).json()
    assert [r["result"] for r in body["results"]] == ["valid", "valid", "valid"]
    presence = TicketPresence.objects.get(ticket=t0)
    assert presence.inside is True
    assert presence.first_entry_at < presence.last_scan.scanned_at
    # Admitted online first, then an offline admission arrives: a conflict.
    campus.clients["agent"].post(
        f"{API}/tickets/validate/",
        {"code": t1.code, "lists": [str(setup["main"].pk)]},
        format="json",
    )
    result = upload(setup, [scan(setup, "4", t1, minutes_ago=1)]).json()["results"][0]
    assert result["result"] == "conflict"
    assert result["checked_in_by"] == "agent@ucad.test"
    assert result["message"].startswith("Admitted twice offline. Already checked in at ")
    # A refusal the device made stands (nobody went in).
    refused = upload(setup, [scan(setup, "5", t2, local_result="not_on_list")]).json()
    assert refused["results"][0]["result"] == "not_on_list"
    assert not TicketPresence.objects.filter(ticket=t2).exists()
    # Online through the device (offline: false): an ordinary refusal, not a conflict.
    online = upload(setup, [scan(setup, "6", t1, minutes_ago=0, offline=False)]).json()
    assert online["results"][0]["result"] == "already_in"


def test_upload_bad_input_changes_nothing(campus, setup):
    t0 = setup["tickets"][0]
    foreign_list = CheckinList.objects.create(
        event=EventFactory(organization=campus.other), organization=campus.other, name="X"
    )
    mixed = [scan(setup, "a", t0), {**scan(setup, "b", t0), "list": str(foreign_list.pk)}]
    response = upload(setup, mixed)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_checkin_lists"
    too_many = [scan(setup, f"n{i}", t0) for i in range(501)]
    assert upload(setup, too_many).status_code == 400
    for bad in (
        [],
        [{**scan(setup, "a", t0), "direction": "up"}],
        [{**scan(setup, "a", t0), "scanned_at": "yesterday"}],
        [{**scan(setup, "a", t0), "nonce": "x" * 65}],
        [{**scan(setup, "a", t0), "extra": 1}],
    ):
        assert upload(setup, bad).status_code == 400, bad
    # A user's token is not a device's.
    response = campus.clients["manager"].post(
        f"{API}/scanner/scans/", {"scans": [scan(setup, "a", t0)]}, format="json"
    )
    assert response.status_code == 401
    assert not Scan.objects.exists()
