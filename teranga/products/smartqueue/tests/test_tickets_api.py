"""The ticket API: take, read (live position), cancel, rate, lists and the QR lookup —
success, bad input (nothing changed), another organisation (404), roles (403), 401."""

from __future__ import annotations

import pytest

from teranga.platform.organizations.models import VerificationStatus
from teranga.products.smartqueue.models import QueueDay, Ticket, TicketEvent, TicketStatus
from teranga.products.smartqueue.selectors.estimates import estimate_wait
from teranga.products.smartqueue.services import counters
from teranga.products.smartqueue.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/smartqueue"


def take_url(queue) -> str:
    return f"{BASE}/queues/{queue.pk}/tickets/"


def take(bank, who: str, queue=None, body=None, **fields):
    payload = {**(body or {}), **fields}
    return bank.api[who].post(take_url(queue or bank.normal), payload, format="json")


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- Taking a ticket ---------------------------------------------------------------------


def test_take_a_ticket(bank):
    first = take(bank, "alice")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["number"] == "A001"
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert body["estimated_wait_seconds"] == 0
    assert body["queue"] == {
        "id": str(bank.normal.pk),
        "name": "Guichet",
        "prefix": "A",
        "kind": "normal",
    }
    assert body["branch"]["name"] == "Agence Plateau"
    assert body["service"]["name"] == "Opérations courantes"
    assert body["channel"] == "mobile"
    assert body["qr"].startswith("data:image/svg+xml")
    assert body["qr_content"] == f"TERANGA-SQ:{body['code']}"

    second = take(bank, "bob", channel="web", travel_mode="taxi")
    assert second.status_code == 201, second.content
    data = second.json()
    assert (data["number"], data["position"], data["channel"]) == ("A002", 2, "web")
    assert data["travel_mode"] == "taxi"
    # One ahead, two staffed counters: the estimate of ``selectors.estimates``.
    assert data["estimated_wait_seconds"] == estimate_wait(bank.normal, 1) > 0
    assert data["estimated_call_at"] is not None
    ticket = Ticket.objects.get(pk=data["id"])
    assert ticket.user == bank.users["bob"]
    assert TicketEvent.objects.filter(ticket=ticket, action="issue").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "sms"},  # not a client channel here
        {"channel": "pigeon"},
        {"travel_mode": "rocket"},
        {"queue": "x"},  # unknown field
    ],
)
def test_take_bad_input_changes_nothing(bank, body):
    response = take(bank, "alice", body=body)
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert not Ticket.objects.exists()
    assert not QueueDay.objects.exists()


def test_take_refusals(bank):
    assert take(bank, "alice").status_code == 201
    again = take(bank, "alice")
    assert (again.status_code, error_code(again)) == (409, "already_in_queue")

    bank.normal.max_size = 1
    bank.normal.save()
    full = take(bank, "bob")
    assert (full.status_code, error_code(full)) == (409, "queue_full")

    bank.normal.max_size = None
    bank.normal.is_open = False
    bank.normal.save()
    closed = take(bank, "bob")
    assert (closed.status_code, error_code(closed)) == (409, "queue_closed")

    # Refused issues roll their number back: the next one is A002, no gap.
    bank.normal.is_open = True
    bank.normal.save()
    ok = take(bank, "bob")
    assert ok.json()["number"] == "A002"
    assert Ticket.objects.filter(queue=bank.normal).count() == 2


def test_take_hidden_queues_answer_404(bank, api):
    inactive = QueueFactory(
        organization=bank.org, branch=bank.branch, service=bank.service, prefix="Z"
    )
    inactive.is_active = False
    inactive.save()
    unverified_queue = QueueFactory(prefix="U")
    org = unverified_queue.organization
    org.verification_status = VerificationStatus.PENDING
    org.save()
    for queue in (inactive, unverified_queue):
        response = take(bank, "alice", queue=queue)
        assert (response.status_code, error_code(response)) == (404, "queue_not_found")
    missing = bank.api["alice"].post(
        f"{BASE}/queues/00000000-0000-0000-0000-000000000000/tickets/", {}, format="json"
    )
    assert missing.status_code == 404
    assert api.post(take_url(bank.normal), {}, format="json").status_code == 401
    assert not Ticket.objects.exists()


def test_another_organisations_queue_is_open_to_clients(bank):
    """A client may queue anywhere public: the other bank's queue gives its own A001."""
    response = take(bank, "alice", queue=bank.other_queue)
    assert response.status_code == 201
    assert response.json()["number"] == "A001"


# --- One ticket --------------------------------------------------------------------------


def test_ticket_detail_live_position_and_counter(bank, api):
    alice = take(bank, "alice").json()
    bob = take(bank, "bob").json()
    url = f"{BASE}/tickets/{bob['id']}/"
    assert bank.api["bob"].get(url).json()["position"] == 2

    counters.counter_call_next(counter_id=bank.counter1.pk, agent=bank.users["agent1"])
    live = bank.api["bob"].get(url).json()
    assert live["position"] == 1
    assert live["estimated_wait_seconds"] == 0

    called = bank.api["alice"].get(f"{BASE}/tickets/{alice['id']}/").json()
    assert called["status"] == "called"
    assert called["position"] == 0
    assert called["counter"]["name"] == "Guichet 1"
    assert called["called_at"] is not None

    for who in ("agent2", "manager", "staff"):
        assert bank.api[who].get(url).status_code == 200, who
    for who in ("alice", "plain", "other_owner"):
        response = bank.api[who].get(url)
        assert (response.status_code, error_code(response)) == (404, "ticket_not_found"), who
    assert api.get(url).status_code == 401


# --- Cancel and rate ---------------------------------------------------------------------


def test_cancel(bank):
    ticket = take(bank, "alice").json()
    url = f"{BASE}/tickets/{ticket['id']}/cancel/"
    for who in ("bob", "agent1", "other_owner"):
        assert bank.api[who].post(url).status_code == 404, who
    assert Ticket.objects.get(pk=ticket["id"]).status == TicketStatus.WAITING

    response = bank.api["alice"].post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_at"] is not None

    again = bank.api["alice"].post(url)
    assert (again.status_code, error_code(again)) == (409, "illegal_transition")
    # Cancelled, she may queue again.
    assert take(bank, "alice").json()["number"] == "A002"


def test_rate(bank):
    ticket = take(bank, "alice").json()
    url = f"{BASE}/tickets/{ticket['id']}/rate/"
    early = bank.api["alice"].post(url, {"rating": 5}, format="json")
    assert (early.status_code, error_code(early)) == (409, "not_served")

    agent = bank.users["agent1"]
    counters.counter_call_next(counter_id=bank.counter1.pk, agent=agent)
    counters.counter_start(counter_id=bank.counter1.pk, agent=agent)
    counters.counter_finish(counter_id=bank.counter1.pk, agent=agent)

    for body in ({"rating": 0}, {"rating": 6}, {"rating": "x"}, {}, {"rating": 4, "stars": 4}):
        bad = bank.api["alice"].post(url, body, format="json")
        assert bad.status_code == 400, body
    assert bank.api["bob"].post(url, {"rating": 4}, format="json").status_code == 404
    assert Ticket.objects.get(pk=ticket["id"]).rating is None

    ok = bank.api["alice"].post(url, {"rating": 4, "comment": "Rapide"}, format="json")
    assert ok.status_code == 200
    assert (ok.json()["rating"], ok.json()["rating_comment"]) == (4, "Rapide")
    twice = bank.api["alice"].post(url, {"rating": 1}, format="json")
    assert (twice.status_code, error_code(twice)) == (409, "already_rated")
    assert Ticket.objects.get(pk=ticket["id"]).rating == 4


# --- Lists -------------------------------------------------------------------------------


def test_my_tickets(bank, django_assert_max_num_queries):
    mine = take(bank, "alice").json()
    take(bank, "alice", queue=bank.priority)
    take(bank, "bob")
    bank.api["alice"].post(f"{BASE}/tickets/{mine['id']}/cancel/")
    client = bank.api["alice"]

    response = client.get(f"{BASE}/tickets/")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    active = client.get(f"{BASE}/tickets/", {"active": "true"}).json()["results"]
    assert [t["number"] for t in active] == ["P001"]
    cancelled = client.get(f"{BASE}/tickets/", {"status": "cancelled"}).json()["results"]
    assert [t["number"] for t in cancelled] == ["A001"]

    for params in ({"status": "nope"}, {"branch": str(bank.branch.pk)}, {"foo": "1"}):
        assert client.get(f"{BASE}/tickets/", params).status_code == 400, params


def test_organisation_tickets(bank, django_assert_max_num_queries):
    for who in ("alice", "bob"):
        take(bank, who)
        take(bank, who, queue=bank.priority)
    take(bank, "alice", queue=bank.other_queue)
    agent = bank.api["agent1"]
    url = f"{BASE}/tickets/"
    org = {"organization": str(bank.org.pk)}

    with django_assert_max_num_queries(8):
        everything = agent.get(url, org)
    assert everything.json()["count"] == 4
    by_queue = agent.get(url, {**org, "queue": str(bank.priority.pk)}).json()
    assert sorted(t["number"] for t in by_queue["results"]) == ["P001", "P002"]
    today = Ticket.objects.filter(queue=bank.normal).first().day
    by_day = agent.get(url, {**org, "day": today.isoformat(), "branch": str(bank.branch.pk)})
    assert by_day.json()["count"] == 4
    assert agent.get(url, {**org, "day": "2001-01-01"}).json()["count"] == 0
    assert agent.get(url, {**org, "status": "called"}).json()["count"] == 0

    assert bank.api["staff"].get(url, org).json()["count"] == 4
    assert bank.api["plain"].get(url, org).status_code == 403
    assert bank.api["other_owner"].get(url, org).status_code == 404
    assert bank.api["alice"].get(url, org).status_code == 404

    # The number of queries does not grow with the page.
    for n in range(12):
        Ticket.objects.create(
            organization=bank.org,
            branch=bank.branch,
            queue=bank.normal,
            service=bank.service,
            day=today,
            number=100 + n,
            display_number=f"A{100 + n}",
            channel="kiosk",
            code=f"BULK{n:04d}",
            sort_at=Ticket.objects.first().sort_at,
        )
    with django_assert_max_num_queries(8):
        page = agent.get(url, {**org, "page_size": 50})
    assert page.json()["count"] == 16


# --- Lookup by code ----------------------------------------------------------------------


def test_lookup_by_code(bank, api):
    ticket = take(bank, "alice").json()
    url = f"{BASE}/tickets/lookup/"
    code = ticket["code"]
    for value in (code, f"TERANGA-SQ:{code}", code.lower(), f"  {code} "):
        response = bank.api["agent1"].get(url, {"code": value})
        assert response.status_code == 200, value
        assert response.json()["id"] == ticket["id"]
    scoped = bank.api["agent1"].get(url, {"code": code, "organization": str(bank.org.pk)})
    assert scoped.status_code == 200

    assert bank.api["plain"].get(url, {"code": code}).status_code == 403
    for who in ("other_owner", "alice"):
        response = bank.api[who].get(url, {"code": code})
        assert (response.status_code, error_code(response)) == (404, "ticket_not_found"), who
    wrong_org = bank.api["agent1"].get(url, {"code": code, "organization": str(bank.other.pk)})
    assert wrong_org.status_code == 404
    assert bank.api["agent1"].get(url, {"code": "NOPE2345"}).status_code == 404
    assert bank.api["agent1"].get(url).status_code == 400
    assert bank.api["agent1"].get(url, {"code": code, "x": "1"}).status_code == 400
    assert api.get(url, {"code": code}).status_code == 401
