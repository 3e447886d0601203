"""SmartQueue's WebSockets over the real ASGI application (``config.asgi``): snapshots,
live events after real HTTP actions, personalisation, and who may connect (4401, 4403,
4404, anonymous boards)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from config.asgi import application
from teranga.platform.organizations.models import VerificationStatus
from teranga.platform.realtime import broadcast
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator
from teranga.products.smartqueue import live
from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.selectors.estimates import wait_seconds_for
from teranga.products.smartqueue.services.tickets import ticket_issue

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3
BASE = "/api/v1/smartqueue"


@pytest.fixture(autouse=True)
def _fast_kpis(settings):
    settings.SMARTQUEUE_LIVE_KPI_INTERVAL = 0.2


@pytest.fixture(autouse=True)
def _logged_in(bank):
    """Log everyone in now: the bank's clients log in lazily, and the async bodies
    cannot touch the database directly."""
    for name in bank.users:
        assert bank.api[name].tokens["access_token"]


def run(body):
    """Run ``body`` on a loop registered as the server's, as ``config.asgi``'s lifespan
    does: broadcasts from other threads (the KPI coalescer's timer) are handed to it."""

    async def served():
        broadcast.set_server_loop(asyncio.get_running_loop())
        try:
            return await body()
        finally:
            broadcast.set_server_loop(None)

    return async_to_sync(served)()


def token(bank, who: str) -> str:
    return bank.api[who].tokens["access_token"]


def socket(path: str, *, tok: str | None = None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"{path}?token={tok}" if tok else path)


async def opened(path: str, *, tok: str | None = None):
    comm = socket(path, tok=tok)
    connected, detail = await comm.connect(timeout=TIMEOUT)
    assert connected, detail
    snapshot = await comm.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot", snapshot
    return comm, snapshot


async def refused(path: str, code: int, *, tok: str | None = None) -> None:
    comm = socket(path, tok=tok)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted, then closed with the code
    closing = await comm.receive_output(timeout=TIMEOUT)
    assert closing == {"type": "websocket.close", "code": code}


async def next_event(comm, event_type: str, limit: int = 20) -> dict:
    for _ in range(limit):
        message = await comm.receive_json_from(timeout=TIMEOUT)
        if message["type"] == "event" and message["event"]["type"] == event_type:
            return message
    raise AssertionError(f"no {event_type} event")


async def event_until(comm, event_type: str, predicate) -> dict:
    """Coalesced channels (KPIs) may first send an older state: read until it holds."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = (await next_event(comm, event_type))["event"]
        if predicate(last):
            return last
    raise AssertionError(f"{event_type}: last {last}")


def issue(queue, user=None, channel="mobile"):
    ticket = ticket_issue(queue=queue, channel=channel, user=user)
    assert live.publisher.flush(), "publications still pending"  # events in order
    return ticket


aissue = database_sync_to_async(issue)


def post(bank, who: str, url: str, body=None):
    response = bank.api[who].post(url, body or {}, format="json")
    assert live.publisher.flush(), "publications still pending"
    return response


apost = database_sync_to_async(post)


def queue_path(queue) -> str:
    return f"/ws/smartqueue/queues/{queue.pk}/"


def display_path(branch) -> str:
    return f"/ws/smartqueue/branches/{branch.pk}/display/"


def counter_path(counter) -> str:
    return f"/ws/smartqueue/counters/{counter.pk}/"


def monitor_path(org) -> str:
    return f"/ws/organizations/{org.pk}/monitor/"


ADMIN_PATH = "/ws/smartqueue/admin/dashboard/"


# --- the queue: personal positions ---------------------------------------------------------


def test_queue_snapshot_is_personal(bank):
    alice_ticket = issue(bank.normal, bank.users["alice"])
    issue(bank.normal, bank.users["bob"])

    async def body():
        comm, snapshot = await opened(queue_path(bank.normal), tok=token(bank, "bob"))
        data = snapshot["data"]
        assert data["waiting"] == 2
        assert data["queue"]["prefix"] == "A"
        assert [(t["number"], t["position"]) for t in data["mine"]] == [("A002", 2)]
        # Two staffed counters at the configured 5 minutes, one ahead.
        assert data["mine"][0]["estimated_wait_seconds"] == wait_seconds_for(1, [300, 300])
        assert str(alice_ticket.pk) not in str(snapshot)
        await comm.disconnect()

    run(body)


def test_position_falls_live_after_call_next(bank):
    issue(bank.normal, bank.users["alice"])
    bob_ticket = issue(bank.normal, bank.users["bob"])

    async def body():
        bob, _ = await opened(queue_path(bank.normal), tok=token(bank, "bob"))
        alice, snap = await opened(queue_path(bank.normal), tok=token(bank, "alice"))
        assert snap["data"]["mine"][0]["position"] == 1
        response = await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/call-next/")
        assert response.status_code == 200, response.content
        event = await next_event(bob, "queue.changed")
        assert event["event"]["action"] == "call"
        assert event["event"]["waiting"] == 1
        assert event["event"]["last_called"] == ["A001"]
        mine = event["event"]["mine"]
        assert mine == [
            {
                "id": str(bob_ticket.pk),
                "number": "A002",
                "status": "waiting",
                "parked": False,
                "position": 1,
                "estimated_wait_seconds": 0,
            }
        ]
        assert "positions" not in event["event"] and "user" not in event["event"]
        # Alice, whose ticket was called, sees it called; never Bob's ticket.
        called = await next_event(alice, "queue.changed")
        assert [(t["number"], t["status"]) for t in called["event"]["mine"]] == [("A001", "called")]
        assert str(bob_ticket.pk) not in str(called)
        await bob.disconnect()
        await alice.disconnect()

    run(body)


def test_queue_socket_refusals(bank):
    async def body():
        await refused(queue_path(bank.normal), 4401)  # no token
        await refused(queue_path(bank.normal), 4401, tok="garbage")
        await refused(f"/ws/smartqueue/queues/{bank.branch.pk}/", 4404, tok=token(bank, "bob"))

    run(body)
    bank.org.verification_status = VerificationStatus.PENDING
    bank.org.save(update_fields=["verification_status"])
    run(lambda: refused(queue_path(bank.normal), 4404, tok=token(bank, "bob")))


# --- the board -----------------------------------------------------------------------------


def test_display_is_anonymous_and_shows_calls(bank):
    issue(bank.normal, bank.users["alice"])
    issue(bank.priority, bank.users["bob"])
    issue(bank.normal, bank.users["bob"])

    async def body():
        board, snapshot = await opened(display_path(bank.branch))  # no token at all
        data = snapshot["data"]
        assert data["branch"] == {"name": "Agence Plateau", "organization": "Banque Teranga"}
        assert data["current"] == [] and data["recent"] == []
        assert [(q["prefix"], q["waiting"]) for q in data["queues"]] == [("A", 2), ("P", 1)]
        response = await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/call-next/")
        assert response.status_code == 200, response.content
        call = (await next_event(board, "call"))["event"]
        # Counter 1 uses strict priority: the P ticket first.
        assert (call["number"], call["counter"], call["prefix"], call["recall"]) == (
            "P001",
            "Guichet 1",
            "P",
            False,
        )
        assert call["at"]
        assert {q["prefix"]: q["waiting"] for q in call["queues"]} == {"A": 2, "P": 0}
        assert "id" not in str(call.keys())
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/recall/")
        recall = (await next_event(board, "call"))["event"]
        assert (recall["number"], recall["recall"]) == ("P001", True)
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/start/")
        assert (await next_event(board, "serving"))["event"]["number"] == "P001"
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/finish/")
        clear = (await next_event(board, "clear"))["event"]
        assert (clear["number"], clear["reason"], clear["counter"]) == (
            "P001",
            "finish",
            "Guichet 1",
        )
        await board.disconnect()
        # A new board: the call is in the last calls, nobody at a counter.
        again, snap = await opened(display_path(bank.branch))
        assert [r["number"] for r in snap["data"]["recent"]] == ["P001"]
        assert snap["data"]["current"] == []
        await again.disconnect()

    run(body)


def test_opening_and_closing_a_queue_reaches_the_board_and_its_watchers(bank):
    issue(bank.normal, bank.users["bob"])

    async def body():
        board, snapshot = await opened(display_path(bank.branch))
        assert {q["prefix"]: q["is_open"] for q in snapshot["data"]["queues"]} == {
            "A": True,
            "P": True,
        }
        bob, _ = await opened(queue_path(bank.normal), tok=token(bank, "bob"))
        response = await apost(bank, "manager", f"{BASE}/queues/{bank.normal.pk}/close/")
        assert response.status_code == 200, response.content
        shown = (await next_event(board, "waiting"))["event"]
        assert {q["prefix"]: q["is_open"] for q in shown["queues"]} == {"A": False, "P": True}
        closed = (await next_event(bob, "queue.changed"))["event"]
        assert (closed["action"], closed["is_open"], closed["waiting"]) == ("close", False, 1)
        assert closed["mine"][0]["position"] == 1  # still served: nothing expired
        response = await apost(bank, "manager", f"{BASE}/queues/{bank.normal.pk}/open/")
        assert response.status_code == 200, response.content
        shown = (await next_event(board, "waiting"))["event"]
        assert {q["prefix"]: q["is_open"] for q in shown["queues"]} == {"A": True, "P": True}
        opened_event = (await next_event(bob, "queue.changed"))["event"]
        assert (opened_event["action"], opened_event["is_open"]) == ("open", True)
        await board.disconnect()
        await bob.disconnect()

    run(body)


def test_display_refuses_unknown_inactive_or_unverified(bank):
    run(lambda: refused(f"/ws/smartqueue/branches/{bank.normal.pk}/display/", 4404))
    bank.branch.is_active = False
    bank.branch.save(update_fields=["is_active"])
    run(lambda: refused(display_path(bank.branch), 4404))
    bank.other.verification_status = VerificationStatus.PENDING
    bank.other.save(update_fields=["verification_status"])
    run(lambda: refused(display_path(bank.other_branch), 4404))


# --- the counter console -------------------------------------------------------------------


def test_counter_console_snapshot_and_events(bank):
    issue(bank.normal, bank.users["alice"])

    async def body():
        console, snapshot = await opened(counter_path(bank.counter1), tok=token(bank, "agent1"))
        data = snapshot["data"]
        assert data["counter"] == {"id": str(bank.counter1.pk), "name": "Guichet 1"}
        assert data["agent"] == str(bank.users["agent1"].pk)
        assert data["current"] is None
        assert {q["queue"]["prefix"]: q["waiting"] for q in data["queues"]} == {"A": 1, "P": 0}
        await aissue(bank.normal, bank.users["bob"])
        issued = (await next_event(console, "counters.changed"))["event"]
        assert issued["action"] == "issue"
        assert {q["prefix"]: q["waiting"] for q in issued["queues"]} == {"A": 2, "P": 0}
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/call-next/")
        called = (await next_event(console, "counters.changed"))["event"]
        assert called["counter"]["counter"]["id"] == str(bank.counter1.pk)
        assert called["counter"]["current"]["number"] == "A001"
        assert called["counter"]["current"]["status"] == "called"
        await console.disconnect()

    run(body)


def test_counter_console_permissions(bank):
    path = counter_path(bank.counter1)

    async def body():
        await refused(path, 4401)
        await refused(path, 4403, tok=token(bank, "plain"))  # a member below agent
        await refused(path, 4404, tok=token(bank, "alice"))  # not a member
        await refused(path, 4404, tok=token(bank, "other_owner"))  # another organisation
        await refused(f"/ws/smartqueue/counters/{bank.normal.pk}/", 4404, tok=token(bank, "owner"))
        comm, _ = await opened(path, tok=token(bank, "manager"))
        await comm.disconnect()

    run(body)


# --- the monitor and the admin dashboard ---------------------------------------------------


def test_monitor_gets_kpis_and_live_updates(bank):
    async def body():
        monitor, snapshot = await opened(monitor_path(bank.org), tok=token(bank, "manager"))
        assert snapshot["data"]["organization"] == str(bank.org.pk)
        assert isinstance(snapshot["data"]["kpis"], dict)
        first = snapshot["data"]["kpis"]
        for n in range(3):  # a burst: coalesced, the last state always published
            await aissue(bank.normal, bank.users[("alice", "bob", "plain")[n]])
        event = await event_until(monitor, "kpis", lambda e: _waiting(e["kpis"]) == 3)
        assert event["kpis"] != first
        await monitor.disconnect()

    run(body)


def _waiting(kpis: dict):
    for key in ("waiting", "tickets_waiting", "waiting_now"):
        if key in kpis:
            return kpis[key]
    live = kpis.get("live") or kpis.get("now") or {}
    return live.get("waiting")


def test_monitor_permissions(bank):
    path = monitor_path(bank.org)

    async def body():
        await refused(path, 4401)
        await refused(path, 4403, tok=token(bank, "agent1"))  # below manager
        await refused(path, 4404, tok=token(bank, "alice"))
        await refused(path, 4404, tok=token(bank, "other_owner"))
        comm, _ = await opened(path, tok=token(bank, "staff"))  # staff may watch
        await comm.disconnect()

    run(body)


def test_admin_dashboard_is_staff_only_and_platform_wide(bank):
    issue(bank.normal, bank.users["alice"])
    issue(bank.other_queue, bank.users["bob"])

    async def body():
        await refused(ADMIN_PATH, 4401)
        await refused(ADMIN_PATH, 4403, tok=token(bank, "owner"))
        dashboard, snapshot = await opened(ADMIN_PATH, tok=token(bank, "staff"))
        rows = {row["name"]: row for row in snapshot["data"]["organizations"]}
        assert rows["Banque Teranga"]["waiting"] == 1
        assert rows["Banque Teranga"]["open_counters"] == 2
        assert rows["Autre Banque"]["waiting"] == 1
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/call-next/")

        def ours(event):
            return next(r for r in event["organizations"] if r["name"] == "Banque Teranga")

        event = await event_until(dashboard, "summary", lambda e: ours(e)["at_counter"] == 1)
        assert ours(event)["waiting"] == 0
        await dashboard.disconnect()

    run(body)


def test_resume_replays_personalised_events(bank):
    issue(bank.normal, bank.users["alice"])
    issue(bank.normal, bank.users["bob"])

    async def body():
        bob, snapshot = await opened(queue_path(bank.normal), tok=token(bank, "bob"))
        seq = snapshot["seq"]
        await bob.disconnect()
        await apost(bank, "agent1", f"{BASE}/counters/{bank.counter1.pk}/call-next/")
        again, _ = await opened(queue_path(bank.normal), tok=token(bank, "bob"))
        await again.send_json_to({"type": "resume", "since": seq})
        replayed = await next_event(again, "queue.changed")
        assert replayed["event"]["mine"][0]["position"] == 1
        assert "positions" not in replayed["event"]
        await again.disconnect()

    run(body)


def test_nothing_is_sent_when_the_change_rolls_back(bank):
    from django.db import transaction

    async def body():
        board, snapshot = await opened(display_path(bank.branch))

        def rolled_back():
            with transaction.atomic():
                issue(bank.normal, bank.users["alice"])
                transaction.set_rollback(True)

        await database_sync_to_async(rolled_back)()
        assert await database_sync_to_async(Ticket.objects.count)() == 0
        # The board's next frame is the change that was committed after it: one waiting.
        await aissue(bank.normal, bank.users["bob"])
        message = await board.receive_json_from(timeout=TIMEOUT)
        assert message["type"] == "event" and message["event"]["type"] == "waiting"
        assert message["seq"] == snapshot["seq"] + 1  # nothing numbered for the rollback
        assert [(q["prefix"], q["waiting"]) for q in message["event"]["queues"]] == [
            ("A", 1),
            ("P", 0),
        ]
        await board.disconnect()

    run(body)
