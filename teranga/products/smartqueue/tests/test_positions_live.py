"""Several clients watch one queue over real WebSockets (``config.asgi``) while tickets
are taken, called, cancelled, parked and requeued, and transferred: after every step,
each watcher's last message gives each of its tickets exactly the position the database
gives it (``ticket_position``, itself checked against the whole calling order), under
FIFO, strict priority and the weighted strategy. The events carry the change, never the
queue's positions, and a watcher that connects mid-way starts from an exact snapshot."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conftest import authed_client, create_user
from teranga.platform.realtime import broadcast
from teranga.products.smartqueue import live
from teranga.products.smartqueue.models import Strategy, Ticket, TicketClass
from teranga.products.smartqueue.selectors.positions import queue_order, ticket_position
from teranga.products.smartqueue.services.counters import session_close
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.test_consumers import TIMEOUT, opened, queue_path, run

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/v1/smartqueue"
N, P, V = TicketClass.NORMAL, TicketClass.PRIORITY, TicketClass.VIP
MAX_MESSAGES = 200  # per drain: bounded


class Watcher:
    def __init__(self, name: str, user, client, socket=None):
        self.name, self.user, self.client, self.socket = name, user, client, socket
        self.seq = 0
        self.mine: list[dict] = []


def truth(queue, user) -> dict[str, int]:
    """``{ticket id: position}`` of ``user``'s live tickets in ``queue``, from the
    database; the positions of waiting tickets also match the whole calling order."""
    queue.refresh_from_db()
    order = [str(pk) for pk in queue_order(queue)]
    result = {}
    for ticket in Ticket.objects.filter(
        queue=queue, user=user, status__in=("waiting", "called", "serving")
    ).select_related("queue"):
        position = ticket_position(ticket)
        if position:
            assert order.index(str(ticket.pk)) + 1 == position
        result[str(ticket.pk)] = position
    return result


atruth = database_sync_to_async(truth)


async def drain(watcher: Watcher, group: str) -> None:
    """Read the watcher's socket until it has the group's last event (bounded)."""
    for _ in range(MAX_MESSAGES):
        if watcher.seq >= broadcast.current_seq(group):
            return
        message = await watcher.socket.receive_json_from(timeout=TIMEOUT)
        if message["type"] == "event" and message["event"]["type"] == "queue.changed":
            event = message["event"]
            assert not {"positions", "change", "counts", "paces", "user"} & set(event)
            watcher.mine = event["mine"]
            watcher.seq = message["seq"]
    raise AssertionError(f"{watcher.name}: events did not arrive")


def act(step):
    """A step done synchronously, its publications sent before going on."""
    result = step()
    assert live.publisher.flush(), "publications still pending"
    return result


aact = database_sync_to_async(act)


def middle(queue, watchers: list[Watcher]) -> tuple[str, Watcher]:
    """A watcher's ticket in the middle of the queue's calling order, and its owner."""
    order = queue_order(queue)
    owners = {w.user.pk: w for w in watchers}
    tickets = Ticket.objects.filter(pk__in=order, user__in=list(owners)).values_list("pk", "user")
    by_id = dict(tickets)
    mine = [pk for pk in order if pk in by_id]
    pk = mine[len(mine) // 2]
    return str(pk), owners[by_id[pk]]


amiddle = database_sync_to_async(middle)


async def check(queue, watchers: list[Watcher]) -> None:
    group = live.queue_group(queue.pk)
    for watcher in watchers:
        if watcher.socket is None:
            continue
        await drain(watcher, group)
        got = {t["id"]: t["position"] for t in watcher.mine}
        assert got == await atruth(queue, watcher.user), watcher.name


async def connect(queue, watcher: Watcher) -> None:
    token = watcher.client.tokens["access_token"]
    watcher.socket, snapshot = await opened(queue_path(queue), tok=token)
    watcher.seq = snapshot["seq"]
    watcher.mine = snapshot["data"]["mine"]


@pytest.mark.parametrize("strategy", [Strategy.FIFO, Strategy.PRIORITY, Strategy.WEIGHTED])
def test_every_watcher_keeps_its_exact_position(bank, strategy):
    queue = bank.normal
    queue.strategy = strategy
    queue.weights = {"priority": 2, "normal": 1, "vip": 3}
    queue.save(update_fields=["strategy", "weights"])
    watchers = []
    for n in range(6):
        user = create_user(f"watcher{n}@example.test")
        watchers.append(Watcher(f"w{n}", user, authed_client(user)))
    agent = bank.api["agent1"]
    counter = f"{BASE}/counters/{bank.counter1.pk}"

    def take(watcher, cls):
        return act(
            lambda: ticket_issue(queue=queue, channel="mobile", user=watcher.user, ticket_class=cls)
        )

    def post(client, url, body=None):
        response = act(lambda: client.post(url, body or {}, format="json"))
        assert response.status_code in (200, 201), response.content
        return response

    apost = database_sync_to_async(post)
    atake = database_sync_to_async(take)

    async def body():
        # Two tickets before anyone watches: the first watchers start from a snapshot.
        await atake(watchers[0], N)
        await atake(watchers[1], P)
        for watcher in watchers[:3]:
            await connect(queue, watcher)
        await check(queue, watchers)
        for watcher, cls in zip(watchers[2:], (N, V, P, N), strict=True):
            await atake(watcher, cls)
            await check(queue, watchers)
        await connect(queue, watchers[4])  # mid-way: an exact snapshot, then events
        await check(queue, watchers)
        # Called: everyone behind moves up.
        called = (await apost(agent, f"{counter}/call-next/")).json()["called"]
        await check(queue, watchers)
        # Parked at the counter: out of the queue.
        await apost(agent, f"{counter}/park/")
        await check(queue, watchers)
        # A client in the middle of the queue cancels: those behind them move up.
        ticket, owner = await amiddle(queue, watchers)
        await apost(owner.client, f"{BASE}/tickets/{ticket}/cancel/")
        await check(queue, watchers)
        # A waiting ticket transferred to the other queue leaves this one.
        ticket, owner = await amiddle(queue, watchers)
        body = {"queue": str(bank.priority.pk), "ticket": ticket}
        await apost(agent, f"{counter}/transfer/", body)
        await check(queue, watchers)
        await connect(queue, watchers[5])
        await check(queue, watchers)
        # The parked ticket comes back to the counter, then is served; the next called.
        await apost(agent, f"{counter}/unpark/", {"ticket": called["id"]})
        for step in ("start", "finish", "call-next"):
            await apost(agent, f"{counter}/{step}/")
            await check(queue, watchers)
        # Another take, then the agent leaves: the ticket in hand goes back in line.
        await atake(watchers[3], V)
        await check(queue, watchers)
        await aact(lambda: session_close(counter_id=bank.counter1.pk, agent=bank.users["agent1"]))
        await check(queue, watchers)
        for watcher in watchers:
            if watcher.socket is not None:
                await watcher.socket.disconnect()

    run(body)
