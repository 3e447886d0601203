"""The counter API: call next, recall, start, finish, no-show, transfer, park, unpark
and the state — success, bad input (nothing changed), another organisation's counter
(404), roles (403), no session (409), anonymous (401)."""

from __future__ import annotations

import pytest

from teranga.products.smartqueue.models import Ticket, TicketEvent, TicketStatus
from teranga.products.smartqueue.services import tickets as ticket_services
from teranga.products.smartqueue.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/smartqueue"
ACTIONS = ["call-next", "recall", "start", "finish", "no-show", "transfer", "park", "unpark"]


def url(counter, action: str) -> str:
    return f"{BASE}/counters/{counter.pk}/{action}/"


def act(bank, action: str, body=None, who="agent1", counter=None):
    return bank.api[who].post(url(counter or bank.counter1, action), body or {}, format="json")


def issue(queue, n: int = 1, **kw):
    return [ticket_services.ticket_issue(queue=queue, channel="kiosk", **kw) for _ in range(n)]


def error_code(response) -> str:
    return response.json()["error"]["code"]


def snapshot():
    return sorted(Ticket.objects.values_list("pk", "status", "counter_id", "parked_at", "queue_id"))


def test_state(bank, api, django_assert_max_num_queries):
    issue(bank.normal, 3)
    issue(bank.priority, 2)
    bank.api["agent1"].get(url(bank.counter1, "state"))  # warm the per-process caches
    with django_assert_max_num_queries(10):
        response = bank.api["agent1"].get(url(bank.counter1, "state"))
    assert response.status_code == 200
    body = response.json()
    assert body["counter"] == {"id": str(bank.counter1.pk), "name": "Guichet 1"}
    assert body["agent"] == str(bank.users["agent1"].pk)
    assert body["current"] is None and body["parked"] == []
    assert [(q["queue"]["prefix"], q["waiting"]) for q in body["queues"]] == [("A", 3), ("P", 2)]
    # Any agent of the organisation may look (the console of a colleague's desk).
    assert bank.api["agent2"].get(url(bank.counter1, "state")).status_code == 200
    assert bank.api["plain"].get(url(bank.counter1, "state")).status_code == 403
    other = bank.api["other_owner"].get(url(bank.counter1, "state"))
    assert (other.status_code, error_code(other)) == (404, "counter_not_found")
    assert bank.api["agent1"].get(url(bank.other_counter, "state")).status_code == 404
    assert api.get(url(bank.counter1, "state")).status_code == 401


def test_call_next_with_nobody_waiting(bank):
    response = act(bank, "call-next")
    assert response.status_code == 200
    assert response.json()["called"] is None
    assert response.json()["current"] is None


def test_call_start_finish(bank):
    a1, a2 = issue(bank.normal, 2)
    called = act(bank, "call-next")
    assert called.status_code == 200, called.content
    body = called.json()
    assert body["called"]["number"] == "A001"
    assert body["current"]["id"] == str(a1.pk)
    assert body["current"]["status"] == "called"
    assert [(q["queue"]["prefix"], q["waiting"]) for q in body["queues"]] == [("A", 1), ("P", 0)]

    busy = act(bank, "call-next")
    assert (busy.status_code, error_code(busy)) == (409, "counter_busy")

    recalled = act(bank, "recall")
    assert recalled.status_code == 200
    assert recalled.json()["ticket"]["recall_count"] == 1

    started = act(bank, "start")
    assert started.json()["current"]["status"] == "serving"
    again = act(bank, "start")
    assert (again.status_code, error_code(again)) == (409, "illegal_transition")

    bad = act(bank, "finish", {"note": "x" * 301})
    assert bad.status_code == 400
    assert Ticket.objects.get(pk=a1.pk).status == TicketStatus.SERVING

    finished = act(bank, "finish", {"note": "Ouverture de compte"})
    assert finished.status_code == 200
    assert finished.json()["current"] is None
    assert finished.json()["ticket"]["status"] == "served"
    a1.refresh_from_db()
    assert a1.note == "Ouverture de compte"
    assert (a1.agent, a1.counter) == (bank.users["agent1"], bank.counter1)
    actions = list(TicketEvent.objects.filter(ticket=a1).values_list("action", flat=True))
    assert actions == ["issue", "call", "recall", "start", "finish"]
    assert act(bank, "call-next").json()["called"]["id"] == str(a2.pk)


def test_no_show(bank):
    (ticket,) = issue(bank.normal)
    assert act(bank, "no-show").status_code == 409  # nothing in hand
    act(bank, "call-next")
    response = act(bank, "no-show")
    assert response.status_code == 200
    assert response.json()["ticket"]["status"] == "no_show"
    ticket.refresh_from_db()
    assert ticket.no_show_at is not None


def test_park_and_unpark(bank):
    first, second = issue(bank.normal, 2)
    act(bank, "call-next")
    parked = act(bank, "park")
    assert parked.status_code == 200
    body = parked.json()
    assert body["current"] is None
    assert [t["id"] for t in body["parked"]] == [str(first.pk)]
    assert body["parked"][0]["is_parked"] is True
    # A parked ticket is out of the line: the next call takes the second.
    assert act(bank, "call-next").json()["called"]["id"] == str(second.pk)
    busy = act(bank, "unpark", {"ticket": str(first.pk)})
    assert (busy.status_code, error_code(busy)) == (409, "counter_busy")
    act(bank, "start")
    act(bank, "finish")

    # Another counter cannot bring it back; bad bodies are refused.
    other = act(bank, "unpark", {"ticket": str(first.pk)}, who="agent2", counter=bank.counter2)
    assert (other.status_code, error_code(other)) == (404, "ticket_not_found")
    for body in ({}, {"ticket": "nope"}, {"ticket": str(first.pk), "x": 1}):
        assert act(bank, "unpark", body).status_code == 400, body
    not_parked = act(bank, "unpark", {"ticket": str(second.pk)})
    assert not_parked.status_code == 404
    assert Ticket.objects.get(pk=first.pk).parked_at is not None

    back = act(bank, "unpark", {"ticket": str(first.pk)})
    assert back.status_code == 200
    assert back.json()["current"]["id"] == str(first.pk)
    assert back.json()["current"]["status"] == "called"
    assert back.json()["parked"] == []


def test_transfer_ticket_in_hand(bank):
    bank.counter1.strategy = "fifo"
    bank.counter1.save()
    early = issue(bank.normal)[0]
    issue(bank.priority)
    act(bank, "call-next")
    response = act(bank, "transfer", {"queue": str(bank.priority.pk), "keep_arrival": True})
    assert response.status_code == 200, response.content
    new = response.json()["ticket"]
    assert new["number"] == "P002"
    assert new["queue"]["prefix"] == "P"
    assert response.json()["current"] is None
    early.refresh_from_db()
    assert early.status == TicketStatus.TRANSFERRED
    moved = Ticket.objects.get(pk=new["id"])
    assert moved.transferred_from == early
    assert moved.sort_at == early.sort_at  # kept its arrival: ahead of P001
    assert act(bank, "call-next").json()["called"]["id"] == new["id"]


def test_transfer_waiting_ticket_without_keeping_arrival(bank):
    waiting = issue(bank.normal)[0]
    response = act(
        bank,
        "transfer",
        {"queue": str(bank.priority.pk), "ticket": str(waiting.pk), "keep_arrival": False},
    )
    assert response.status_code == 200
    moved = Ticket.objects.get(pk=response.json()["ticket"]["id"])
    assert moved.sort_at > waiting.sort_at


def test_transfer_bad_input_changes_nothing(bank):
    (ticket,) = issue(bank.normal)
    act(bank, "call-next")
    other_branch_queue = QueueFactory(organization=bank.org, service=bank.service, prefix="X")
    before = snapshot()
    cases = [
        ({}, 400, "invalid"),
        ({"queue": "nope"}, 400, "invalid"),
        ({"queue": str(bank.priority.pk), "unknown": 1}, 400, "invalid"),
        ({"queue": str(bank.normal.pk)}, 400, "same_queue"),
        ({"queue": str(bank.other_queue.pk)}, 400, "invalid_queue"),
        ({"queue": str(other_branch_queue.pk)}, 400, "invalid_queue"),
        ({"queue": str(bank.priority.pk), "ticket": str(ticket.pk)}, 404, "ticket_not_found"),
    ]
    for body, status_code, code in cases:
        response = act(bank, "transfer", body)
        assert (response.status_code, error_code(response)) == (status_code, code), body
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_is_guarded(bank, api, action):
    issue(bank.normal, 2)
    before = snapshot()
    # Another organisation's counter: 404, even for its owner-level probe.
    other = act(bank, action, who="other_owner")
    assert (other.status_code, error_code(other)) == (404, "counter_not_found")
    assert act(bank, action, counter=bank.other_counter).status_code == 404
    # A member below agent: 403.
    assert act(bank, action, who="plain").status_code == 403
    # An agent of the organisation without a session on this counter: 409.
    body = {}
    if action in ("transfer", "unpark"):
        assert act(bank, action, who="agent2").status_code == 400  # the body comes first
        body = {"queue": str(bank.priority.pk)} if action == "transfer" else {"ticket": "0" * 32}
    response = act(bank, action, body, who="agent2")
    assert (response.status_code, error_code(response)) == (409, "no_session")
    assert act(bank, action, body, who="manager").status_code == 409
    # Anonymous: 401. Unknown counter: 404.
    assert api.post(url(bank.counter1, action), {}, format="json").status_code == 401
    missing = bank.api["agent1"].post(
        f"{BASE}/counters/00000000-0000-0000-0000-000000000000/{action}/", {}, format="json"
    )
    assert missing.status_code == 404
    assert snapshot() == before


def test_unknown_fields_are_refused(bank):
    issue(bank.normal)
    for action in ("call-next", "recall", "start", "no-show", "park"):
        response = act(bank, action, {"force": True})
        assert response.status_code == 400, action
    assert not Ticket.objects.exclude(status=TicketStatus.WAITING).exists()
