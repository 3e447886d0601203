"""Webhook storm: distinct sandbox events, each delivered several times by concurrent
clients, through real HTTP (see README.md for the full description).

    python -m benchmarks.webhook_storm [--events 1000] [--copies 3] [--clients 20]
                                      [--workers 4] [--task-workers 2]
                                      [--task-processes 1] [--check]

The real server (``manage.py serve`` on 127.0.0.1, a free port) runs against a throwaway
database (see ``benchmarks``). With ``--workers`` > 1 its embedded task worker is off (the
at-scale mode), so ``manage.py run_huey`` runs beside it against the same environment,
as a multi-worker deployment runs it. The fulfilment runs in the webhook's request right
after its commit (``payments.services.fulfilment``); what it sets off (the notifications'
sends, the invoice PDF) is queued and consumed by that separate process. Not
``TASKS_IMMEDIATE``: it would run those sends and renders inside the request too, which no
deployment does. ``--workers 1`` is the embedded mode (task threads inside the server). With
``--task-processes N`` (at scale), N ``run_huey`` processes of ``--task-workers`` threads
each serve the queue, the first with the scheduler, the others ``--no-periodic``.

What is paid for is real: Booking reservations held for payment (``booking.reservation``),
so the product's handler (confirm the booking) and the fulfilled-hooks (invoicing) run.
This process makes them with the services right before the storm (a hold lasts 5
minutes and the payment cannot outlive it): ``reservation_create(hold=True)`` on distinct
slots, then ``payment_initiate`` (sandbox, ``pending``). Then, as the sandbox page does
when the payer pays, each charge is marked succeeded on the provider side and its event
body built; each event is POSTed ``--copies`` times to the webhook, signed right before
sending. ``--clients`` threads, each with its own keep-alive connection, share one list
of deliveries: two copies of an event within about ``--clients`` deliveries (they race),
further copies later at random (replays).

The rule, from the answers and the database once the fulfilment queue has drained
(bounded): every answer 200; per event one delivery acted on, the others ``duplicate``;
one ``ProviderEvent`` per event; exactly ``--events`` ``pending → succeeded`` transitions,
none twice; every ``Fulfilment`` done, once; every booking confirmed; no refund. (When
the periodic reconciliation settles a payment before its webhook, that delivery answers
``unchanged``: accepted for that payment only, and counted.) Exits 1 if it is broken.

After the answers (issue 25), from the answers' wall-clock times and the database: the
fulfilment lag per event — from the answer that acted on the event to its
``Fulfilment.done_at`` — at p50, p99 and max (negative: done before the answer), the
receipt lag the same way (to the payer's ``payment.succeeded`` notification first sent),
and when the last invoice PDF was stored
(``Invoice.pdf_rendered_at``), counted from the storm's end (its last answer); the run
waits for the PDFs at most ``PDF_TIMEOUT`` after the storm (not in crash mode, where a
render task may die with a worker: the first download renders that PDF). Targets: lag
p99 <= 5 s, every PDF within 10 minutes of the storm's end; ``--check`` exits 1 when
one is missed.

Baseline, same run, clients and count: webhooks of the same shape and size with a bad
signature, rejected on the raw body (400 ``invalid_signature``) by the same middleware,
throttle and view before anything touches the database.

Crash mode (``--kill-worker 3 --kill-server 1``, with ``--redis-url`` for the queue and the
cache): during the storm the task worker gets ``kill -9`` (its process group) at evenly
spaced points of the deliveries and the whole server (uvicorn's supervisor and workers)
once, each restarted at once. The clients retry a delivery whose connection failed, as a
provider retries, re-signed; an answer lost with the server may leave an event answered
only ``duplicate``. The rule then also holds: exactly ``--events`` fulfilments and
invoices, every notification delivered, and its email accepted exactly once by the local
SMTP sink (``benchmarks.ProviderSinks``), apart from re-sends across a kill, which are
counted and bounded by the worker's threads per kill.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from . import (
    ProviderSinks,
    TaskWorker,
    WebServer,
    crash_window_copies,
    percentile,
    throwaway_environment,
)

WEBHOOK = "/api/v1/payments/webhooks/sandbox/"
SIGNATURE_HEADER = "Teranga-Sandbox-Signature"
TIME_ZONE = "Africa/Dakar"
PRICE = 5000  # XOF
SLOT_MINUTES = 15
OPEN_FROM, OPEN_UNTIL = 8, 20  # local hours, every day
REQUEST_TIMEOUT = 60.0
BARRIER_TIMEOUT = 60.0
FULFIL_TIMEOUT = 240.0  # how long the fulfilment queue may take to drain after the storm
PDF_TIMEOUT = 900.0  # how long after the storm's end the invoice PDFs may take (target 600)
LAG_TARGET = 5.0  # seconds: fulfilment lag p99 (issue 25)
PDF_TARGET = 600.0  # seconds after the storm's end: every invoice PDF ready (issue 25)
WARM_UP_PER_CLIENT = 10
RETRY_FOR = 120.0  # crash mode: how long a delivery is retried while the server is down
RETRY_PAUSE = 0.25
NOTIFY_TIMEOUT = 240.0
DELIVERY_DONE = {
    "sent",
    "delivered",
    "skipped",
}  # crash mode: for every notification to be delivered after that


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.webhook_storm", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=3, help="deliveries of each event")
    parser.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    parser.add_argument(
        "--task-workers", type=int, default=2, help="threads of the run_huey worker"
    )
    parser.add_argument(
        "--task-processes",
        type=int,
        default=1,
        help="run_huey processes (the first runs the scheduler, the others --no-periodic)",
    )
    parser.add_argument("--seed", type=int, default=None, help="delivery order seed")
    parser.add_argument(
        "--kill-worker", type=int, default=0, help="kill -9 the task worker this many times"
    )
    parser.add_argument(
        "--kill-server", type=int, default=0, help="kill -9 the web server this many times"
    )
    parser.add_argument(
        "--redis-url", default="", help="queue, cache and channel layer on this Redis database"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when a target is missed (fulfilment lag p99 <= {LAG_TARGET:.0f} s, "
        f"every invoice PDF ready within {PDF_TARGET:.0f} s of the storm's end)",
    )
    args = parser.parse_args(argv)
    if (args.kill_worker or args.kill_server) and args.workers < 2:
        parser.error("the crash mode needs --workers 2 or more (a separate task worker)")
    if args.task_processes > 1 and (args.workers < 2 or args.kill_worker or args.kill_server):
        parser.error("--task-processes > 1 needs --workers 2 or more and no crash mode")
    if not (0 <= args.kill_worker <= 10 and 0 <= args.kill_server <= 5):
        parser.error("0 <= kill-worker <= 10, 0 <= kill-server <= 5")
    if not (
        1 <= args.events <= 5000
        and 2 <= args.copies <= 10
        and 2 <= args.clients <= 200
        and 1 <= args.workers <= 16
        and 1 <= args.task_workers <= 16
        and 1 <= args.task_processes <= 8
    ):
        parser.error(
            "1 <= events <= 5000, 2 <= copies <= 10, 2 <= clients <= 200, "
            "1 <= workers <= 16, 1 <= task-workers <= 16, 1 <= task-processes <= 8"
        )
    return args


# --- Setup, in this process, through the services -----------------------------------------


@dataclass
class Shop:
    organization: object
    payment_ids: list[str]
    reservation_ids: list[str]
    first_hold_expires_at: datetime


def slot_starts(count: int) -> list[datetime]:
    """``count`` distinct 15-minute slot starts, from the day after tomorrow on."""
    from django.utils import timezone

    tz = ZoneInfo(TIME_ZONE)
    day = timezone.localdate(timezone=tz) + timedelta(days=2)
    per_day = (OPEN_UNTIL - OPEN_FROM) * 60 // SLOT_MINUTES
    starts = []
    while len(starts) < count:
        opening = datetime.combine(day, clock(OPEN_FROM), tzinfo=tz)
        starts += [opening + timedelta(minutes=SLOT_MINUTES * i) for i in range(per_day)]
        day += timedelta(days=1)
    return starts[:count]


def setup_shop(count: int) -> Shop:
    """A verified business open every day 8:00–20:00, a paid 15-minute service, a payer,
    and ``count`` held reservations each with a pending sandbox payment."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from teranga.platform.organizations.models import Organization, VerificationStatus
    from teranga.platform.payments.models import PaymentStatus
    from teranga.platform.payments.services.payments import payment_initiate, request_fingerprint
    from teranga.platform.scheduling.models import AvailabilityRule, Resource
    from teranga.products.booking.models import Service, ServiceCategory
    from teranga.products.booking.services.reservations import reservation_create

    starts = slot_starts(count)
    organization = Organization.objects.create(
        kind="business",
        name="Salon Tempête",
        slug="salon-tempete",
        time_zone=TIME_ZONE,
        country="SN",
        verification_status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
        holidays_opt_out=True,
    )
    resource = Resource.objects.create(organization=organization, name="Fauteuil 1")
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            organization=organization,
            resource=resource,
            weekday=weekday,
            starts_at=clock(OPEN_FROM),
            ends_at=clock(OPEN_UNTIL),
        )
        for weekday in range(7)
    )
    service = Service.objects.create(
        organization=organization,
        resource=resource,
        name="Coupe express",
        category=ServiceCategory.objects.order_by("position").first(),
        price_amount=PRICE,
        currency="XOF",
        duration_minutes=SLOT_MINUTES,
        min_notice_minutes=60,
        max_advance_days=90,
    )
    payer = get_user_model().objects.create_user(email="payeur@bench.example", password=None)
    payment_ids, reservation_ids = [], []
    first_expiry = None
    for index, starts_at in enumerate(starts):
        reservation = reservation_create(
            client=payer, service_id=service.pk, starts_at=starts_at, hold=True
        )
        first_expiry = first_expiry or reservation.booking.hold_expires_at
        body = {
            "target_type": "booking.reservation",
            "target_id": str(reservation.pk),
            "provider": "sandbox",
        }
        payment, created = payment_initiate(
            payer=payer,
            idempotency_key=f"bench-storm-{index}",
            request_hash=request_fingerprint(body),
            **body,
        )
        if not created or payment.status != PaymentStatus.PENDING or not payment.checkout_url:
            raise SystemExit(f"Payment {index} is not a pending sandbox checkout: {payment!r}")
        payment_ids.append(str(payment.pk))
        reservation_ids.append(str(reservation.pk))
    return Shop(organization, payment_ids, reservation_ids, first_expiry)


def succeeded_events(payment_ids: list[str]) -> list[bytes]:
    """The provider side records each charge as succeeded (what the sandbox page does
    when the payer pays) and gives the event body it sends for it."""
    from teranga.platform.payments.models import SandboxCharge
    from teranga.platform.payments.providers import sandbox

    charges = {
        str(c.payment_id): c for c in SandboxCharge.objects.filter(payment_id__in=payment_ids)
    }
    SandboxCharge.objects.filter(payment_id__in=payment_ids).update(
        outcome=SandboxCharge.Outcome.SUCCEEDED
    )
    bodies = []
    for payment_id in payment_ids:
        charge = charges[payment_id]
        charge.outcome = SandboxCharge.Outcome.SUCCEEDED
        bodies.append(sandbox.event_body(charge, event_type="payment.succeeded"))
    return bodies


def bad_signature_bodies(count: int) -> list[bytes]:
    """Bodies of the same shape and size as the real events, for the baseline."""
    return [
        json.dumps(
            {
                "id": f"sbx_evt_{uuid.uuid4().hex}",
                "type": "payment.succeeded",
                "data": {
                    "payment_id": str(uuid.uuid4()),
                    "reference": str(uuid.uuid4()),
                    "outcome": "succeeded",
                    "amount": PRICE,
                    "currency": "XOF",
                },
            },
            separators=(",", ":"),
        ).encode()
        for _ in range(count)
    ]


def delivery_order(events: int, copies: int, window: int, rng: random.Random) -> list[int]:
    """Event indexes, ``copies`` times each: two copies of an event within the same window
    of about ``window`` deliveries (they race), the others later at random (replays)."""
    per_window = max(1, window // 2)
    shuffled = list(range(events))
    rng.shuffle(shuffled)
    windows = -(-events // per_window)
    keyed = []
    for position, event in enumerate(shuffled):
        home = position // per_window
        keyed += [(home + rng.random(), event), (home + rng.random(), event)]
        keyed += [(rng.uniform(home + 1, windows + 1), event) for _ in range(copies - 2)]
    keyed.sort()
    return [event for _, event in keyed]


# --- Deliveries -------------------------------------------------------------------------


@dataclass
class Result:
    event: int
    status: int | None = None
    outcomes: list = field(default_factory=list)
    code: str | None = None
    started: float = 0.0
    ended: float = 0.0
    answered_at: float = 0.0  # wall clock (time.time()) of the answer, beside done_at
    retries: int = 0

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


def deliver(
    clients, order: list[int], bodies: list[bytes], *, good: bool, chaos=None
) -> tuple[list, float]:
    """All ``clients`` threads start together and take the next delivery from ``order``
    until none is left; each body is signed right before it is sent (``good`` False: a
    well-formed, current signature with a wrong MAC). With ``chaos`` (crash mode), it is
    told the fraction of deliveries taken as they go, and a delivery whose connection
    failed is sent again (re-signed, bounded), as a provider retries. Returns (results,
    wall seconds)."""
    import httpx

    from teranga.platform.payments.providers import sandbox

    results = [Result(event=event) for event in order]
    taken = itertools.count()
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1, timeout=BARRIER_TIMEOUT)

    def signature(raw: bytes) -> str:
        if good:
            return sandbox.sign(raw)
        return f"t={int(time.time())},v1={'0' * 64}"

    def work(http: httpx.Client) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        while True:
            with lock:
                index = next(taken)
            if index >= len(results):
                return
            result = results[index]
            raw = bodies[result.event]
            result.started = time.perf_counter()
            response = None
            while response is None:
                try:
                    response = http.post(
                        WEBHOOK,
                        content=raw,
                        headers={
                            "Content-Type": "application/json",
                            SIGNATURE_HEADER: signature(raw),
                        },
                    )
                except httpx.HTTPError as error:
                    result.code = type(error).__name__
                    if chaos is None or time.perf_counter() - result.started > RETRY_FOR:
                        break
                    result.retries += 1
                    time.sleep(RETRY_PAUSE)
            result.ended = time.perf_counter()
            result.answered_at = time.time()
            if response is None:
                continue
            result.status = response.status_code
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 200:
                result.outcomes = list(body.get("outcomes") or [])
            else:
                result.code = (body.get("error") or {}).get("code")

    threads = [threading.Thread(target=work, args=(http,), daemon=True) for http in clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + REQUEST_TIMEOUT * (len(order) // len(clients) + 2)
    if chaos is not None:
        while any(t.is_alive() for t in threads) and time.perf_counter() < deadline:
            chaos.tick(min(1.0, next_index(taken) / len(results)))
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    wall = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        raise SystemExit("Delivery threads still running past their deadline.")
    return results, wall


def next_index(counter) -> int:
    """The next value of an ``itertools.count`` without taking it (read from its repr)."""
    return int(repr(counter).removeprefix("count(").removesuffix(")"))


class Chaos:
    """The crash mode's kills, at evenly spaced fractions of the deliveries taken: the
    worker ``kill_worker`` times, the server ``kill_server`` times (offset from the
    worker's). Each is restarted at once; (killed, restarted) times are kept."""

    def __init__(self, server: WebServer, start_worker, kill_worker: int, kill_server: int):
        self.server, self.start_worker = server, start_worker
        self.worker = start_worker()
        self.plan = sorted(
            [((k + 1) / (kill_worker + 1), "worker") for k in range(kill_worker)]
            + [((k + 0.6) / (kill_server + 1), "server") for k in range(kill_server)]
        )
        self.kills: list[tuple[float, float]] = []  # worker kills (monotonic)
        self.done: list[str] = []
        self.server_down = 0.0

    def tick(self, fraction: float) -> None:
        while self.plan and fraction >= self.plan[0][0]:
            at, what = self.plan.pop(0)
            killed = time.monotonic()
            if what == "worker":
                self.worker.kill()
                self.worker = self.start_worker()
                self.kills.append((killed, time.monotonic()))
            else:
                self.server.kill()
                self.server.restart()
                self.server_down += self.server.wait_ready()
            self.done.append(f"{what} at {at:.0%}")

    def finish(self) -> None:
        for _at, what in self.plan:  # the storm ended before a planned kill: say so
            self.done.append(f"{what} NOT killed (storm over)")
        self.plan = []


def racing_events(results: list[Result]) -> int:
    """Events of which two deliveries were in flight at the same time."""
    by_event = defaultdict(list)
    for result in results:
        if result.ended:
            by_event[result.event].append((result.started, result.ended))
    raced = 0
    for spans in by_event.values():
        spans.sort()
        raced += any(b[0] < a[1] for a, b in itertools.pairwise(spans))
    return raced


def wait_for_fulfilment(organization, worker) -> float:
    """Wait (bounded) until no fulfilment is pending; returns the seconds waited.
    ``worker``: the task worker, or a callable that gives the current one."""
    from teranga.platform.payments.models import Fulfilment, FulfilmentStatus

    started = time.perf_counter()
    while time.perf_counter() - started < FULFIL_TIMEOUT:
        # Every Fulfilment row was written with its payment's success, before that
        # webhook was answered: after the storm, none pending means the queue is done.
        mine = Fulfilment.objects.filter(payment__organization=organization)
        if not mine.filter(status=FulfilmentStatus.PENDING).exists():
            break
        current = worker() if callable(worker) else worker
        if current is not None:
            current.check_alive()
        time.sleep(0.5)
    return time.perf_counter() - started


def wait_for_pdfs(organization, worker, *, until: float) -> float:
    """Wait (bounded: until the wall-clock time ``until``) until every invoice of the
    storm has its PDF stored; returns the seconds waited."""
    invoice = invoice_model()
    started = time.perf_counter()
    if invoice is None:
        return 0.0
    while time.time() < until:
        if not invoice.objects.filter(payment__organization=organization, pdf="").exists():
            break
        current = worker() if callable(worker) else worker
        if current is not None:
            current.check_alive()
        time.sleep(1.0)
    return time.perf_counter() - started


def wait_for_notifications(sinks: ProviderSinks, worker) -> float:
    """Crash mode: wait (bounded) until no delivery is queued and the SMTP sink has
    accepted an email for every sent email delivery; returns the seconds waited."""
    from teranga.platform.notifications.models import NotificationDelivery

    started = time.perf_counter()
    while time.perf_counter() - started < NOTIFY_TIMEOUT:
        deliveries = NotificationDelivery.objects.all()
        if not deliveries.filter(status="queued").exists():
            sent = set(
                map(
                    str,
                    deliveries.filter(channel="email", status="sent").values_list(
                        "notification_id", flat=True
                    ),
                )
            )
            emails, _sms = sinks.snapshot()
            if sent <= {e.key for e in emails}:
                break
        worker().check_alive()
        time.sleep(0.5)
    return time.perf_counter() - started


def notification_figures(sinks: ProviderSinks, kills: list, threads: int) -> dict:
    """What the SMTP sink accepted against what the outbox recorded."""
    from teranga.platform.notifications.models import Notification, NotificationDelivery

    emails, _sms = sinks.snapshot()
    wanted = {
        str(n)
        for n in NotificationDelivery.objects.filter(channel="email").values_list(
            "notification_id", flat=True
        )
    }
    accepted = Counter(e.key for e in emails)
    across, other = crash_window_copies(emails, kills)
    return {
        "kinds": Counter(Notification.objects.values_list("kind", flat=True)),
        "deliveries": Counter(NotificationDelivery.objects.values_list("channel", "status")),
        "emails_wanted": len(wanted),
        "emails_accepted": sum(accepted.values()),
        "missing": len(wanted - set(accepted)),
        "strays": len(set(accepted) - wanted),
        "resent_across_kill": sum(across.values()),
        "twice_otherwise": sum(other.values()),
        "resend_bound": threads * len(kills),
    }


def notification_problems(figures: dict) -> list:
    problems = []
    not_done = {
        f"{c} {s}": n for (c, s), n in figures["deliveries"].items() if s not in DELIVERY_DONE
    }
    if not_done:
        problems.append(f"deliveries not sent: {not_done}")
    if figures["missing"] or figures["strays"]:
        problems.append(
            f"emails: {figures['missing']} never reached the SMTP sink, "
            f"{figures['strays']} for unknown notifications"
        )
    if figures["twice_otherwise"]:
        problems.append(f"{figures['twice_otherwise']} emails sent twice (not across a kill)")
    if figures["resent_across_kill"] > figures["resend_bound"]:
        problems.append(
            f"{figures['resent_across_kill']} emails re-sent across kills, more than the "
            f"{figures['resend_bound']} the worker's threads can have had in hand"
        )
    return problems


# --- The rule -----------------------------------------------------------------------------


def invoice_model():
    """The invoicing app's ``Invoice`` (with its ``payment``), or None without it."""
    from django.apps import apps

    try:
        invoice = apps.get_model("invoicing", "Invoice")
    except LookupError:
        return None
    if not any(f.name == "payment" for f in invoice._meta.get_fields()):
        return None
    return invoice


def database_figures(shop: Shop) -> dict:
    from django.db.models import Count, Max

    from teranga.platform.payments.models import (
        EventSource,
        Fulfilment,
        FulfilmentStatus,
        Payment,
        PaymentEvent,
        ProviderEvent,
        Refund,
    )
    from teranga.platform.scheduling.models import Booking, BookingStatus

    mine = {"payment__organization": shop.organization}
    successes = PaymentEvent.objects.filter(action="status", to_status="succeeded", **mine)
    figures = {
        "successes": successes.count(),
        "success_sources": Counter(successes.values_list("source", flat=True)),
        "reconciled": {
            str(p)
            for p in successes.filter(source=EventSource.RECONCILIATION).values_list(
                "payment_id", flat=True
            )
        },
        "twice": successes.values("payment_id").annotate(n=Count("id")).filter(n__gt=1).count(),
        "payments": Counter(
            Payment.objects.filter(organization=shop.organization).values_list("status", flat=True)
        ),
        "fulfilments": Counter(Fulfilment.objects.filter(**mine).values_list("status", flat=True)),
        "fulfilment_attempts": Fulfilment.objects.filter(**mine).aggregate(n=Max("attempts"))["n"],
        "last_done_at": Fulfilment.objects.filter(**mine).aggregate(t=Max("done_at"))["t"],
        "refusals": Counter(
            Fulfilment.objects.filter(**mine)
            .exclude(status=FulfilmentStatus.DONE)
            .values_list("last_error", flat=True)
        ),
        "fulfilled_log": PaymentEvent.objects.filter(action="fulfilled", **mine).count(),
        "provider_events": Counter(
            ProviderEvent.objects.filter(provider="sandbox").values_list("outcome", flat=True)
        ),
        "confirmed": Booking.objects.filter(
            pk__in=shop.reservation_ids, status=BookingStatus.CONFIRMED
        ).count(),
        "refunds": Refund.objects.filter(**mine).count(),
        "done_at": {
            str(payment_id): done_at
            for payment_id, done_at in Fulfilment.objects.filter(
                done_at__isnull=False, **mine
            ).values_list("payment_id", "done_at")
        },
        "invoices": None,
        "pdfs": None,
        "last_pdf_at": None,
        "receipt_at": receipt_times(shop),
    }
    invoice = invoice_model()
    if invoice is not None:
        figures["invoices"] = invoice.objects.filter(**mine).count()
        rendered = invoice.objects.filter(**mine).exclude(pdf="")
        figures["pdfs"] = rendered.count()
        figures["last_pdf_at"] = rendered.aggregate(t=Max("pdf_rendered_at"))["t"]
    return figures


def receipt_times(shop: Shop) -> dict:
    """Per payment, when the payer's receipt (the ``payment.succeeded`` notification) was
    first sent on any channel (in-app, email …)."""
    from django.db.models import Min

    from teranga.platform.notifications.models import NotificationDelivery

    first_sent = (
        NotificationDelivery.objects.filter(
            notification__kind="payment.succeeded", sent_at__isnull=False
        )
        .values_list("notification__idempotency_key")
        .annotate(first=Min("sent_at"))
    )
    wanted = set(shop.payment_ids)
    times = {}
    for key, first in first_sent:  # "payment:<id>:succeeded"
        payment_id = key.split(":")[1]
        if payment_id in wanted:
            times[payment_id] = first
    return times


def fulfilment_lags(results: list[Result], bodies: list[bytes], done_at: dict) -> list[float]:
    """Per event, the seconds from the webhook's answer to its fulfilment being done
    (``Fulfilment.done_at``, the same machine's clock), or to whatever time ``done_at``
    maps its payment to (the receipt's first send). The answer is the one that acted
    on the event (the others were ``duplicate``), or its first answer when none did (crash
    mode: the acting answer was lost with the server)."""
    answered: dict[int, tuple[bool, float]] = {}
    for result in results:
        if not result.answered_at or result.status is None:
            continue
        key = (not any(o != "duplicate" for o in result.outcomes), result.answered_at)
        if result.event not in answered or key < answered[result.event]:
            answered[result.event] = key
    lags = []
    for event, (_, at) in sorted(answered.items(), key=lambda item: item[1][1]):
        done = done_at.get(json.loads(bodies[event])["data"]["payment_id"])
        if done is not None:
            lags.append(done.timestamp() - at)
    return lags  # in the order of the answers


def answer_problems(
    results: list[Result], bodies: list[bytes], reconciled: set[str], *, crash: bool = False
) -> list:
    problems = []
    statuses = Counter(r.status for r in results)
    if set(statuses) != {200}:
        problems.append(f"answers other than 200: {dict(statuses)}")
    per_event = defaultdict(list)
    retried = set()
    for result in results:
        per_event[result.event] += result.outcomes or [f"{result.status} {result.code}"]
        if result.retries:
            retried.add(result.event)
    wrong = 0
    for event, outcomes in per_event.items():
        acted = [o for o in outcomes if o != "duplicate"]
        if crash and not acted and event in retried:
            continue  # acted on, its answer lost with the killed server; the database says
        payment_id = json.loads(bodies[event])["data"]["payment_id"]
        allowed = {"applied", "unchanged"} if payment_id in reconciled else {"applied"}
        wrong += len(acted) != 1 or acted[0] not in allowed
    if wrong:
        problems.append(f"{wrong} events not acted on exactly once (rest duplicate)")
    return problems


def database_problems(figures: dict, events: int) -> list:
    problems = []
    if figures["successes"] != events or figures["twice"]:
        problems.append(
            f"{figures['successes']} pending → succeeded transitions "
            f"({figures['twice']} payments twice), expected {events}"
        )
    if figures["payments"] != Counter({"succeeded": events}):
        problems.append(f"payment statuses {dict(figures['payments'])}")
    if figures["fulfilments"] != Counter({"done": events}):
        hint = ""
        if any("hold_expired" in (reason or "") for reason in figures["refusals"]):
            hint = " (the 5-minute holds ran out first: too many events for this machine)"
        problems.append(
            f"fulfilments {dict(figures['fulfilments'])}, expected {events} done; the others: "
            f"{dict(figures['refusals'])}{hint}"
        )
    if figures["fulfilled_log"] != events:
        problems.append(f"{figures['fulfilled_log']} 'fulfilled' log entries")
    if sum(figures["provider_events"].values()) != events:
        problems.append(f"{sum(figures['provider_events'].values())} ProviderEvent rows")
    if figures["confirmed"] != events:
        problems.append(f"{figures['confirmed']} bookings confirmed")
    if figures["refunds"]:
        problems.append(f"{figures['refunds']} refunds")
    if figures["invoices"] is not None and figures["invoices"] != events:
        problems.append(f"{figures['invoices']} invoices, expected {events}")
    return problems


# --- The run ------------------------------------------------------------------------------


def latency_line(label: str, results: list[Result], wall: float) -> tuple[float, float]:
    ms = [r.ms for r in results if r.ended]
    p50, p99 = percentile(ms, 0.5), percentile(ms, 0.99)
    print(
        f"    {label}: {len(results)} in {wall:.1f} s = {len(results) / wall:.0f}/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(ms):.1f} ms"
    )
    return p50, p99


def run(args, environment) -> int:
    import django

    extra = {
        "THROTTLE_PAYMENT_WEBHOOKS": "10000000/min",
        "THROTTLE_PAYMENTS": "10000000/min",
        "THROTTLE_USER": "10000000/min",
        "THROTTLE_ANON": "10000000/min",
        "EMBEDDED_WORKER": "0" if args.workers > 1 else "1",
        "TASK_WORKERS": str(args.task_workers),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # The holds are all taken before the storm (1,000 take minutes here) and must
        # outlive it and any crash recovery: the storm measures webhooks, not holds.
        "BOOKING_HOLD_MINUTES": "60",
    }
    crash = bool(args.kill_worker or args.kill_server)
    sinks = ProviderSinks().start()  # email (and SMS) counted where they are sent
    extra.update(sinks.environment())
    os.environ.pop("EMAIL_PROVIDER", None)
    queue = "huey SQLite file in DATA_DIR"
    if args.redis_url:
        unique = f"benchstorm{uuid.uuid4().hex[:8]}"
        extra.update(REDIS_URL=args.redis_url, HUEY_NAME=unique, CHANNELS_PREFIX=unique)
        queue = f"Redis (queue {unique}, cache, channel layer)"
    os.environ.update(extra)
    django.setup()
    import httpx
    from django.core.management import call_command
    from django.utils import timezone

    rng = random.Random(args.seed)  # noqa: S311 — a delivery order, not a secret
    total = args.events * args.copies
    processes = f"{args.task_processes} × " if args.task_processes > 1 else ""
    mode = (
        f"manage.py serve --workers {args.workers} + {processes}manage.py run_huey "
        f"({args.task_workers} threads)"
        if args.workers > 1
        else f"manage.py serve --workers 1 (embedded task worker, {args.task_workers} threads)"
    )
    print(f"Webhook storm benchmark — {environment.description}")
    print(
        f"  {args.events} events × {args.copies} deliveries = {total} POST {WEBHOOK}, "
        f"{args.clients} clients; server: {mode}; tasks: {queue}; "
        f"machine: {os.cpu_count()} CPU(s)"
    )
    if crash:
        print(
            f"  crash mode: kill -9 of the task worker × {args.kill_worker} and of the web "
            f"server × {args.kill_server} during the storm, each restarted at once"
        )
    call_command("migrate", interactive=False, verbosity=0)
    data_dir = Path(environment.variables["DATA_DIR"])
    env = dict(os.environ)
    server = WebServer(env, args.workers, data_dir / "server.log")
    incarnations = itertools.count(1)
    workers: list[TaskWorker] = []

    def start_worker() -> TaskWorker:
        workers.append(TaskWorker(env, data_dir / f"worker-{next(incarnations)}.log"))
        return workers[-1]

    helpers: list[TaskWorker] = []

    chaos = None
    clients: list = []
    try:
        server.wait_ready()
        if crash:
            chaos = Chaos(server, start_worker, args.kill_worker, args.kill_server)
        elif args.workers > 1:
            start_worker()
            helpers += [
                # without the scheduler: exactly one worker runs it (README "At scale")
                TaskWorker(env, data_dir / f"worker-helper-{n}.log", args=["--no-periodic"])
                for n in range(1, args.task_processes)
            ]
        for each in [*workers[-1:], *helpers]:
            each.check_alive()
        clients = [
            httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT) for _ in range(args.clients)
        ]
        warm = bad_signature_bodies(args.clients * WARM_UP_PER_CLIENT)
        deliver(clients, list(range(len(warm))), warm, good=False)
        baseline_bodies = bad_signature_bodies(total)
        baseline, baseline_wall = deliver(clients, list(range(total)), baseline_bodies, good=False)

        started = time.perf_counter()
        shop = setup_shop(args.events)
        setup_seconds = time.perf_counter() - started
        bodies = succeeded_events(shop.payment_ids)
        order = delivery_order(args.events, args.copies, args.clients, rng)
        left = (shop.first_hold_expires_at - timezone.now()).total_seconds()
        print(
            f"  setup: {args.events} held reservations + pending sandbox payments in "
            f"{setup_seconds:.1f} s; {left:.0f} s left on the first hold"
        )
        storm_started_at = timezone.now()
        results, wall = deliver(clients, order, bodies, good=True, chaos=chaos)
        if chaos is not None:
            chaos.finish()
        current = (lambda: workers[-1]) if workers else None
        waited = wait_for_fulfilment(shop.organization, current)
        notified = wait_for_notifications(sinks, current) if chaos is not None else 0.0
        storm_ended = max((r.answered_at for r in results if r.answered_at), default=time.time())
        if chaos is None:  # crash mode: a render task may have died with a worker
            wait_for_pdfs(shop.organization, current, until=storm_ended + PDF_TIMEOUT)
    finally:
        for http in clients:
            http.close()
        server.stop()
        for each in [*workers, *helpers]:
            each.stop()
        sinks.stop()
        forget_redis(args.redis_url, os.environ.get("HUEY_NAME", ""))

    figures = database_figures(shop)
    problems = answer_problems(results, bodies, figures["reconciled"], crash=crash)
    problems += database_problems(figures, args.events)
    if chaos is not None:
        notes = notification_figures(sinks, chaos.kills, args.task_workers)
        problems += notification_problems(notes)
        if any("NOT killed" in done for done in chaos.done):
            problems.append("a planned kill did not happen: " + ", ".join(chaos.done))
    baseline_codes = Counter(f"{r.status} {r.code}" for r in baseline)
    if baseline_codes != Counter({"400 invalid_signature": total}):
        problems.append(f"baseline answers {dict(baseline_codes)}")
    outcomes = Counter(o for r in results for o in r.outcomes)
    statuses = Counter(r.status for r in results)
    server_errors = sum(n for s, n in statuses.items() if s is not None and s >= 500)

    print("  deliveries:")
    storm_p50, storm_p99 = latency_line("signed events      ", results, wall)
    base_p50, base_p99 = latency_line("baseline, bad sig. ", baseline, baseline_wall)
    print(
        f"    ratio storm / baseline: throughput {(total / wall) / (total / baseline_wall):.2f}×, "
        f"p50 {storm_p50 / base_p50:.2f}×, p99 {storm_p99 / base_p99:.2f}×"
    )
    print(
        f"    answers: {', '.join(f'{s} × {n}' for s, n in sorted(statuses.items(), key=str))}; "
        f"5xx {server_errors}; outcomes "
        + ", ".join(f"{o} {n}" for o, n in sorted(outcomes.items()))
    )
    print(f"    events whose copies were in flight at the same time: {racing_events(results)}")
    last = figures["last_done_at"]
    after = f"{(last - storm_started_at).total_seconds():.1f} s" if last else "never"
    print("  database:")
    print(
        f"    pending → succeeded: {figures['successes']} (by "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures["success_sources"].items()))
        + f"), payments succeeded twice: {figures['twice']}"
    )
    print(
        f"    ProviderEvent rows: {sum(figures['provider_events'].values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(figures['provider_events'].items()))})"
    )
    print(
        f"    fulfilments: {dict(figures['fulfilments'])}, 'fulfilled' log entries "
        f"{figures['fulfilled_log']}, most attempts {figures['fulfilment_attempts']}; "
        f"last done {after} after the storm began (queue drained {waited:.1f} s after it)"
    )
    print(
        f"    bookings confirmed: {figures['confirmed']}, refunds: {figures['refunds']}"
        + (f", invoices: {figures['invoices']}" if figures["invoices"] is not None else "")
    )
    lags = fulfilment_lags(results, bodies, figures["done_at"])
    misses = []
    print("  after the answers:")
    if lags:
        lag_p99 = percentile(lags, 0.99)
        if lag_p99 > LAG_TARGET:
            misses.append(f"fulfilment lag p99 {lag_p99:.1f} s > {LAG_TARGET:.0f} s")
        print(
            f"    fulfilment lag (webhook answered → its fulfilment done), {len(lags)} events: "
            f"p50 {percentile(lags, 0.5):.2f} s, p99 {lag_p99:.2f} s, "
            f"max {max(lags):.2f} s, min {min(lags):.2f} s (target: p99 ≤ {LAG_TARGET:.0f} s, "
            f"{'met' if lag_p99 <= LAG_TARGET else 'MISSED'})"
        )
        tenth = max(1, len(lags) // 10)
        print(
            "      median lag of the events answered first / last (a tenth each): "
            f"{percentile(lags[:tenth], 0.5):.2f} s / {percentile(lags[-tenth:], 0.5):.2f} s"
        )
    else:
        misses.append("no fulfilment lag measured")
        print("    fulfilment lag: none measured")
    receipts = fulfilment_lags(results, bodies, figures["receipt_at"])
    if receipts:  # no target: the receipt's sends queue behind one another in the worker
        print(
            f"    receipt lag (webhook answered → the payer's receipt first sent), "
            f"{len(receipts)} events: p50 {percentile(receipts, 0.5):.2f} s, "
            f"p99 {percentile(receipts, 0.99):.2f} s, max {max(receipts):.2f} s"
        )
    if figures["pdfs"] is not None:
        pdf_line, last_pdf = f"{figures['pdfs']} of {figures['invoices']}", figures["last_pdf_at"]
        if figures["pdfs"] == figures["invoices"] and last_pdf is not None:
            ready = last_pdf.timestamp() - storm_ended
            pdf_line += (
                f"; the last ready {ready:.1f} s after the storm's end "
                f"({(last_pdf - storm_started_at).total_seconds():.1f} s after it began)"
            )
            if ready > PDF_TARGET:
                misses.append(f"last PDF {ready:.0f} s after the storm > {PDF_TARGET:.0f} s")
        elif chaos is not None:
            pdf_line += " (crash mode: not awaited; a lost render runs on the first download)"
        else:
            misses.append(f"invoice PDFs not all ready {PDF_TIMEOUT:.0f} s after the storm")
            pdf_line += f" by {PDF_TIMEOUT:.0f} s after the storm's end"
        target = f"target: all within {PDF_TARGET:.0f} s of the storm's end"
        if chaos is None:
            target += ", MISSED" if any("PDF" in m for m in misses) else ", met"
        print(f"    invoice PDFs ready: {pdf_line} ({target})")
    if chaos is not None:
        retried = [r for r in results if r.retries]
        print("  crashes:")
        print(
            f"    kills: {', '.join(chaos.done)}; task worker incarnations {len(workers)}; "
            f"server back in {chaos.server_down:.1f} s"
        )
        print(
            f"    deliveries retried after a failed connection: {len(retried)} "
            f"({sum(r.retries for r in retried)} retries)"
        )
        print(
            "    notifications: "
            + ", ".join(f"{k} {v}" for k, v in sorted(notes["kinds"].items()))
            + f"; delivered within {notified:.1f} s after the fulfilments"
        )
        print(
            f"    emails accepted by the SMTP sink: {notes['emails_accepted']} for "
            f"{notes['emails_wanted']} notifications; missing {notes['missing']}; "
            f"sent twice {notes['twice_otherwise'] + notes['resent_across_kill']} "
            f"(re-sent across a kill: {notes['resent_across_kill']}, at most "
            f"{notes['resend_bound']}; otherwise: {notes['twice_otherwise']})"
        )
    if problems:
        print("  RULE BROKEN:\n    " + "\n    ".join(problems))
        print("  server log (tail):\n" + server.output())
        if workers:
            print("  task worker log (tail):\n" + workers[-1].output())
        return 1
    if misses and args.check:
        print("  TARGET MISSED: " + "; ".join(misses))
        return 1
    print(
        f"  rule held: {args.events} state changes and {args.events} fulfilments, "
        f"every answer 200, each event acted on once, the other copies duplicate"
        + (
            f"; {figures['invoices']} invoices; every notification delivered, none lost"
            if chaos is not None
            else ""
        )
    )
    return 0


def forget_redis(redis_url: str, huey_name: str) -> None:
    """Delete this run's huey keys from Redis (its queue name is unique to the run)."""
    if not (redis_url and huey_name):
        return
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"*{huey_name}*", count=1000))
        for first in range(0, len(keys), 1000):
            client.delete(*keys[first : first + 1000])
    finally:
        client.close()


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("storm") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
