"""Simultaneous scans with real threads (each its own database connection), through
HTTP: one ticket scanned at once by several agents gives exactly one "valid"; the same
ticket admitted offline by two devices uploading at once gives one "valid" and one
"conflict"; the same batch uploaded twice at once is counted once.

On PostgreSQL the scans really overlap (row locks and the unique constraints decide);
on SQLite (``transaction_mode=IMMEDIATE``) the writes queue, and the rule still holds."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role
from teranga.products.campus.models import CheckinList, Scan, TicketPresence
from teranga.products.campus.services.scanners import scanner_create

from .factories import EventFactory, TicketTypeFactory, UniversityFactory, issued_ticket

API = "/api/v1/campus"
AGENTS = 6


def run_together(functions) -> list:
    barrier = threading.Barrier(len(functions), timeout=60)
    results: list = [None] * len(functions)
    errors: list[BaseException] = []

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


@pytest.fixture
def world(transactional_db):
    university = UniversityFactory()
    event = EventFactory(organization=university)
    ticket_type = TicketTypeFactory(event=event)
    door = CheckinList.objects.create(event=event, organization=university, name="Main")
    holder = create_user("holder@campus.test")
    agents = []
    for i in range(AGENTS):
        user = create_user(f"agent{i}@campus.test")
        Membership.objects.create(organization=university, user=user, role=Role.AGENT)
        agents.append(user)
    return {
        "university": university,
        "event": event,
        "door": door,
        "ticket_type": ticket_type,
        "holder": holder,
        "agents": agents,
    }


def test_simultaneous_scans_give_exactly_one_valid(world):
    clients = [authed_client(user) for user in world["agents"]]
    for round_ in range(3):
        ticket = issued_ticket(world["ticket_type"], world["holder"])
        body = {"code": ticket.code, "lists": [str(world["door"].pk)]}

        def scan(client=None):
            response = client.post(
                f"{API}/tickets/validate/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
            )
            assert response.status_code == 200, response.content
            return response.json()

        results = run_together([lambda c=c: scan(c) for c in clients])
        tally = Counter(r["result"] for r in results)
        assert tally == {"valid": 1, "already_in": AGENTS - 1}, (round_, tally)
        winner = next(r for r in results if r["result"] == "valid")
        for refused in (r for r in results if r["result"] == "already_in"):
            assert refused["checked_in_by"] == winner["checked_in_by"]
            assert refused["message"].startswith("Already checked in at ")
        assert Scan.objects.filter(ticket=ticket).count() == AGENTS
        assert TicketPresence.objects.filter(ticket=ticket).count() == 1


def _device_client(world, name):
    device, token = scanner_create(organization=world["university"], name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Scanner {token}")
    return device, client


def test_two_offline_devices_admitting_one_ticket(world):
    (_, one), (_, two) = _device_client(world, "A"), _device_client(world, "B")
    tickets = [issued_ticket(world["ticket_type"], world["holder"]) for _ in range(20)]
    now = timezone.now()

    def batch(client, offset):
        scans = [
            {
                "nonce": uuid.uuid4().hex,
                "code": t.code,
                "list": str(world["door"].pk),
                "direction": "entry",
                "scanned_at": (now - timezone.timedelta(minutes=30 - offset)).isoformat(),
            }
            for t in tickets
        ]
        response = client.post(f"{API}/scanner/scans/", {"scans": scans}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    first, second = run_together([lambda: batch(one, 0), lambda: batch(two, 1)])
    summary = Counter()
    for report in (first, second):
        for key, value in report["summary"].items():
            summary[key] += value
    assert summary == {"accepted": 20, "conflicts": 20, "duplicates": 0, "refused": 0}
    for ticket in tickets:
        results = sorted(Scan.objects.filter(ticket=ticket).values_list("result", flat=True))
        assert results == ["conflict", "valid"]
    assert TicketPresence.objects.filter(inside=True).count() == 20


def test_one_batch_uploaded_twice_at_once_counts_once(world):
    _, client = _device_client(world, "A")
    tickets = [issued_ticket(world["ticket_type"], world["holder"]) for _ in range(30)]
    now = timezone.now().isoformat()
    scans = [
        {
            "nonce": f"n-{i}",
            "code": t.code,
            "list": str(world["door"].pk),
            "direction": "entry",
            "scanned_at": now,
        }
        for i, t in enumerate(tickets)
    ]

    def upload():
        response = client.post(f"{API}/scanner/scans/", {"scans": scans}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    reports = run_together([upload, upload, upload])
    assert sum(r["summary"]["accepted"] for r in reports) == 30
    assert sum(r["summary"]["duplicates"] for r in reports) == 60
    assert Scan.objects.count() == 30
    for report in reports:
        assert [r["nonce"] for r in report["results"]] == [s["nonce"] for s in scans]
        assert {r["result"] for r in report["results"]} == {"valid"}
