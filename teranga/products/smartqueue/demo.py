"""SmartQueue's demo data, on the platform demo's organisations (loaded after them).

* **Banque Teranga** (bank; its two Dakar branches, Plateau and Almadies) on the
  Business plan: services "Opérations courantes" (SMS keyword ``BANQUE``) and
  "Ouverture de compte" (appointments Monday–Friday 9–16 h, the appointment queue's
  resource built from those hours); at Plateau queues A (normal), P (priority) and R
  (appointments), at Almadies queue A — all open and not following their hours, so the
  demo works at any time; three counters at Plateau (Guichet 1 and 2 staffed by
  ``banque.agent1`` and ``banque.agent2``) and one at Almadies; a manager
  ``banque.manager@teranga.demo``.
* **Hôpital Principal** (hospital): "Consultation générale", queue C, counter "Salle 1"
  staffed by ``hopital.agent1``.
* **Today's history** at Plateau: ~40 tickets of the morning (served, no-shows,
  cancellations, ratings, clients' communes) so the manager's KPIs show numbers, and a
  few tickets waiting now so the board and the console have work. The history is
  written directly with its timestamps (tickets, their event log and the day's
  numbering row) rather than through the services, which stamp the current time and
  would send every historical client a "your turn" notice; the waiting tickets are
  taken through ``ticket_issue``.
* **Eight weeks of history** before today at both branches (``history``: weekly and
  daily patterns, Senegal's public holidays closed with a catch-up the next day, month
  ends, a slight growth, noise), bulk-inserted with their timestamps (no event log for
  those past weeks), then the **arrivals forecast** of the next 14 days, so the
  manager's KPI page (``/smartqueue/kpi/<organisation id>/``) shows next week's forecast
  and the staffing advice at once. Only the days missing are written (a run on a later
  day adds the days since).
* The Dakar travel-time model row.

Idempotent: a second run on the same day finds everything and creates nothing (the
history is written once per local day).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from teranga.core.demo import history_days
from teranga.platform.geo.models import Region
from teranga.platform.organizations.models import Branch, Membership, Organization, Role
from teranga.platform.payments.models import Plan, Subscription, SubscriptionStatus

from .history import Demand, history_tickets, hourly_arrivals, write_history
from .models import (
    AgentSession,
    Counter,
    Queue,
    QueueDay,
    QueueKind,
    QueueService,
    ServiceCategory,
    Strategy,
    Ticket,
    TicketClass,
    TicketEvent,
    TicketStatus,
    TravelModel,
)
from .selectors.days import local_day
from .services import catalog
from .services.counters import session_open
from .services.forecast import forecasts_compute
from .services.tickets import CLASS_RANK, format_number, new_code, ticket_issue

BANK_SLUG = "banque-teranga"
HOSPITAL_SLUG = "hopital-principal"
DOMAIN = "teranga.demo"
MANAGER_EMAIL = f"banque.manager@{DOMAIN}"
HISTORY_TICKETS = 40
WAITING_NOW = 5
#: Where the morning's clients came from: (region code, commune, weight).
ORIGINS = (
    ("DK", "Dakar-Plateau", 8),
    ("DK", "Médina", 5),
    ("DK", "Grand Yoff", 4),
    ("DK", "Pikine", 4),
    ("DK", "Guédiawaye", 3),
    ("DK", "Rufisque", 2),
    ("TH", "Thiès", 1),
    ("", "", 3),
)
COMMENTS = ("Service rapide, merci.", "Agent très aimable.", "Un peu d'attente.", "")


def load(*, password: str) -> list[tuple[str, str, str]]:
    bank = Organization.objects.filter(slug=BANK_SLUG).first()
    if bank is None:
        return []
    logins: list[tuple[str, str, str]] = []
    with transaction.atomic():
        TravelModel.objects.get_or_create(slug="dakar")
        _subscribe(bank)
        _manager(bank, password)
        plateau, almadies = _bank_branches(bank)
        ops, opening = _bank_services(bank)
        queues = _bank_queues(bank, plateau, almadies, ops, opening)
        counters = _bank_counters(bank, plateau, almadies, queues)
        agents = _agents(bank)
        for counter, agent in zip(counters[:2], agents, strict=False):
            _staff(counter, agent)
        _history(bank, queues["A"], counters[:3], agents)
        _weeks_of_history(bank, queues, counters)
        forecasts_compute(organization=bank)
    _waiting_now(bank, queues)
    note = f"SmartQueue — console: /smartqueue/console/, board: /smartqueue/display/{plateau.pk}/"
    logins.append(
        (MANAGER_EMAIL, "manager", f"SmartQueue KPIs — {bank.name}: /smartqueue/kpi/{bank.pk}/")
    )
    logins.extend((agent.email, "agent", note) for agent in agents)
    hospital = Organization.objects.filter(slug=HOSPITAL_SLUG).first()
    if hospital is not None:
        with transaction.atomic():
            agent = _hospital(hospital)
        if agent is not None:
            logins.append((agent.email, "agent", f"SmartQueue — {hospital.name}"))
    return logins


# --- Banque Teranga --------------------------------------------------------------------


def _subscribe(organization: Organization) -> None:
    """The Business plan (5 branches, 20 counters), active for a year: demo data, no
    payment."""
    if Subscription.objects.filter(organization=organization).exists():
        return
    now = timezone.now()
    Subscription.objects.create(
        organization=organization,
        plan=Plan.objects.get(code="business"),
        period="yearly",
        currency=organization.currency,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=now + timedelta(days=365),
    )


def _manager(organization: Organization, password: str):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=MANAGER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=MANAGER_EMAIL, password=password, first_name="Fatou", last_name="Diop"
        )
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=MANAGER_EMAIL, defaults={"verified": True, "primary": True}
    )
    Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": Role.MANAGER}
    )
    return user


def _bank_branches(bank: Organization) -> tuple[Branch, Branch]:
    branches = list(bank.branches.filter(is_active=True).order_by("name"))
    plateau = next((b for b in branches if "Plateau" in b.name), branches[0])
    almadies = next((b for b in branches if b.pk != plateau.pk), plateau)
    return plateau, almadies


def _service(organization: Organization, name: str, **fields) -> QueueService:
    service = QueueService.objects.filter(organization=organization, name=name).first()
    if service is None:
        service = catalog.service_create(organization=organization, name=name, **fields)
    return service


def _bank_services(bank: Organization) -> tuple[QueueService, QueueService]:
    ops = _service(
        bank,
        "Opérations courantes",
        description="Dépôts, retraits, virements, relevés.",
        category=ServiceCategory.BANKING,
        average_service_minutes=6,
        sms_keyword="BANQUE"
        if not QueueService.objects.filter(sms_keyword="BANQUE").exists()
        else "",
    )
    opening = _service(
        bank,
        "Ouverture de compte",
        description="Ouverture de compte courant ou d'épargne, sur rendez-vous.",
        category=ServiceCategory.BANKING,
        average_service_minutes=20,
        appointment_minutes=30,
        appointment_min_notice_minutes=60,
    )
    if not opening.hours.exists():
        catalog.service_hours_set(
            organization=bank,
            service_id=opening.pk,
            hours=[
                {"weekday": day, "opens_at": time(9), "closes_at": time(16)} for day in range(5)
            ],
        )
    return ops, opening


def _queue(organization, branch, service, prefix: str, name: str, kind: str, **fields) -> Queue:
    queue = Queue.objects.filter(branch=branch, prefix=prefix, is_active=True).first()
    if queue is None:
        queue = catalog.queue_create(
            organization=organization,
            branch_id=branch.pk,
            service_id=service.pk,
            name=name,
            prefix=prefix,
            kind=kind,
            **fields,
        )
    if not queue.is_open or queue.follows_hours:
        queue = catalog.queue_open(organization=organization, queue_id=queue.pk)
    return queue


def _bank_queues(bank, plateau, almadies, ops, opening) -> dict[str, Queue]:
    return {
        "A": _queue(bank, plateau, ops, "A", "Opérations courantes", QueueKind.NORMAL),
        "P": _queue(bank, plateau, ops, "P", "Prioritaire", QueueKind.PRIORITY),
        "R": _queue(
            bank,
            plateau,
            opening,
            "R",
            "Rendez-vous",
            QueueKind.APPOINTMENT,
            strategy=Strategy.PRIORITY,
        ),
        "almadies": _queue(bank, almadies, ops, "A", "Opérations courantes", QueueKind.NORMAL),
    }


def _counter(organization, branch, name: str, queues: list[Queue]) -> Counter:
    counter = Counter.objects.filter(branch=branch, name=name, is_active=True).first()
    if counter is None:
        counter = catalog.counter_create(
            organization=organization,
            branch_id=branch.pk,
            name=name,
            queues=[q.pk for q in queues],
            strategy=Strategy.PRIORITY,
        )
    return counter


def _bank_counters(bank, plateau, almadies, queues) -> list[Counter]:
    a, p, r = queues["A"], queues["P"], queues["R"]
    return [
        _counter(bank, plateau, "Guichet 1", [a, p, r]),
        _counter(bank, plateau, "Guichet 2", [a, p]),
        _counter(bank, plateau, "Guichet 3", [a, r]),
        _counter(bank, almadies, "Guichet 1", [queues["almadies"]]),
    ]


def _agents(organization: Organization) -> list:
    return [
        membership.user
        for membership in Membership.objects.filter(organization=organization, role=Role.AGENT)
        .select_related("user")
        .order_by("user__email")
    ]


def _staff(counter: Counter, agent) -> None:
    """``agent`` at ``counter`` (left alone if someone else is there already)."""
    session = AgentSession.objects.filter(counter=counter, ended_at__isnull=True).first()
    if (
        session is None
        and not AgentSession.objects.filter(agent=agent, ended_at__isnull=True).exists()
    ):
        session_open(counter_id=counter.pk, agent=agent)


# --- today's history -------------------------------------------------------------------


#: The history is played over at least this many hours of opening.
HISTORY_HOURS = 8
#: A history ticket's times, pressed together with its events early in the day.
TIMES = ("cancelled_at", "called_at", "no_show_at", "serving_at", "served_at", "rated_at")


def _history(bank: Organization, queue: Queue, counters: list[Counter], agents: list) -> None:
    """~40 tickets of today before now (written once per local day)."""
    now = timezone.now()
    day = local_day(bank, now)
    if Ticket.objects.filter(queue=queue, day=day).exists():
        return
    zone = ZoneInfo(bank.time_zone)
    opening = datetime.combine(day, time(8), tzinfo=zone)
    end = now - timedelta(minutes=10)
    if end - opening < timedelta(hours=1):  # early in the day: squeeze it into the night
        opening = datetime.combine(day, time(0, 5), tzinfo=zone)
    if end <= opening:
        return
    rng = random.Random(day.toordinal())  # noqa: S311 (demo figures, not secrets)
    regions = {region.code: region for region in Region.objects.filter(code__in=["DK", "TH"])}
    clients = list(
        get_user_model()
        .objects.filter(email__in=[f"client{n}@{DOMAIN}" for n in (1, 2, 3)])
        .order_by("email")
    )
    # The day is played over at least HISTORY_HOURS of opening, then pressed into the
    # time that has really passed since the opening (early in the morning, a few tens of
    # minutes): the same tickets, calls and services, in the same order, just closer.
    span = (end - opening).total_seconds()
    played = max(span, HISTORY_HOURS * 3600)
    press = span / played

    def pressed(moment):
        return opening + (moment - opening) * press

    step = played / (HISTORY_TICKETS + 1)
    # Counters staffed in the history: the two agents (the third counter had nobody).
    staffed = list(zip(counters, agents, strict=False)) or []
    free_at = {counter.pk: opening for counter, _agent in staffed}
    rows, events = [], []
    for index in range(HISTORY_TICKETS):
        issued = opening + timedelta(seconds=step * (index + rng.random() * 0.5))
        number = len(rows) + 1
        user = clients[index % len(clients)] if clients and index % 2 == 0 else None
        region_code, commune, _weight = rng.choices(ORIGINS, [o[2] for o in ORIGINS])[0]
        ticket = Ticket(
            organization=bank,
            branch_id=queue.branch_id,
            queue=queue,
            service_id=queue.service_id,
            day=day,
            number=number,
            display_number=format_number(queue.prefix, number),
            channel=("mobile" if user else rng.choice(["kiosk", "sms", "web"])),
            ticket_class=TicketClass.NORMAL,
            class_rank=CLASS_RANK[TicketClass.NORMAL],
            user=user,
            language=getattr(user, "language", "fr") or "fr",
            code=new_code(),
            sort_at=issued,
            origin_region=regions.get(region_code),
            origin_commune=commune,
        )
        trail = [("issue", "", TicketStatus.WAITING, issued, None, None)]
        # Mostly at random, but every day shows each outcome: a cancel and a no-show.
        outcome = {2: 0.05, 5: 0.12}.get(index, rng.random())
        if outcome < 0.08 or not staffed:
            ticket.status = TicketStatus.CANCELLED
            ticket.cancelled_at = issued + timedelta(minutes=rng.randint(5, 20))
            trail.append(
                ("cancel", TicketStatus.WAITING, TicketStatus.CANCELLED, ticket.cancelled_at)
                + (None, None)
            )
        else:
            counter, agent = min(staffed, key=lambda pair: free_at[pair[0].pk])
            called = max(issued + timedelta(minutes=rng.uniform(2, 6)), free_at[counter.pk])
            ticket.counter, ticket.agent, ticket.called_at = counter, agent, called
            trail.append(
                ("call", TicketStatus.WAITING, TicketStatus.CALLED, called, counter, agent)
            )
            if outcome < 0.17:
                ticket.status = TicketStatus.NO_SHOW
                ticket.no_show_at = called + timedelta(minutes=3)
                trail.append(
                    ("no_show", TicketStatus.CALLED, TicketStatus.NO_SHOW, ticket.no_show_at)
                    + (counter, agent)
                )
                free_at[counter.pk] = ticket.no_show_at
            else:
                ticket.status = TicketStatus.SERVED
                ticket.serving_at = called + timedelta(seconds=rng.randint(20, 60))
                service = timedelta(seconds=rng.lognormvariate(5.9, 0.4))  # median ~6 min
                ticket.served_at = ticket.serving_at + service
                trail.append(
                    ("start", TicketStatus.CALLED, TicketStatus.SERVING, ticket.serving_at)
                    + (counter, agent)
                )
                trail.append(
                    ("finish", TicketStatus.SERVING, TicketStatus.SERVED, ticket.served_at)
                    + (counter, agent)
                )
                free_at[counter.pk] = ticket.served_at
                if user is not None:
                    ticket.rating = rng.choices([5, 4, 3, 2], [5, 4, 2, 1])[0]
                    ticket.rating_comment = rng.choice(COMMENTS)
                    ticket.rated_at = ticket.served_at + timedelta(minutes=5)
        if press < 1:
            issued = ticket.sort_at = pressed(issued)
            for field in TIMES:
                if getattr(ticket, field) is not None:
                    setattr(ticket, field, pressed(getattr(ticket, field)))
            trail = [(*step_[:3], pressed(step_[3]), *step_[4:]) for step_ in trail]
        last = trail[-1][3]
        if last >= now:  # never in the future
            continue
        rows.append((ticket, issued, trail))
    if not rows:
        return
    Ticket.objects.bulk_create([ticket for ticket, _issued, _trail in rows])
    for ticket, issued, trail in rows:
        # ``created_at`` is stamped on insert: set the arrival time.
        Ticket.objects.filter(pk=ticket.pk).update(created_at=issued, updated_at=trail[-1][3])
        for action, before, after, at, counter, agent in trail:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    action=action,
                    from_status=before,
                    to_status=after,
                    counter=counter,
                    actor=agent,
                    at=at,
                )
            )
    TicketEvent.objects.bulk_create(events)
    QueueDay.objects.update_or_create(queue=queue, day=day, defaults={"last_number": len(rows)})


#: Weeks of history before today, and each queue's tickets on an ordinary Tuesday.
HISTORY_WEEKS = 8
DAILY_TICKETS = {"A": 50, "almadies": 30, "R": 6}
#: The appointment service's hours (Monday–Friday 9–16 h).
APPOINTMENT_HOURS = dict.fromkeys(
    range(5), {9: 1, 10: 1.2, 11: 1.2, 12: 0.8, 13: 0.6, 14: 1, 15: 1}
)


def _weeks_of_history(bank: Organization, queues: dict[str, Queue], counters) -> None:
    """:data:`HISTORY_WEEKS` weeks of tickets before today (the days still missing;
    fewer under ``DEMO_HISTORY_DAYS``)."""
    from teranga.platform.scheduling.availability import public_holidays

    today = local_day(bank)
    first = today - timedelta(days=history_days(HISTORY_WEEKS * 7))
    last = today - timedelta(days=1)
    zone = ZoneInfo(bank.time_zone)
    holidays = set(public_holidays(bank.country, first, last))
    serving = {c.branch_id: c for c in counters}
    for key, per_day in DAILY_TICKETS.items():
        queue = queues[key]
        done = set(
            Ticket.objects.filter(queue=queue, day__gte=first, day__lte=last)
            .values_list("day", flat=True)
            .distinct()
        )
        demand = Demand(per_day=per_day, start=first)
        if key == "R":
            demand.hours = APPOINTMENT_HOURS
        counts = hourly_arrivals(
            demand, first, last, closed=holidays.__contains__, seed=first.toordinal() + per_day
        )
        missing = {day: hours for day, hours in counts.items() if day not in done and hours}
        if not missing:
            continue
        tickets, numbers = history_tickets(
            queue=queue,
            counts=missing,
            zone=zone,
            service_seconds=queue.service.average_service_minutes * 60,
            seed=per_day,
            code=new_code,
            counter=serving.get(queue.branch_id),
        )
        write_history(tickets, numbers, queue)


def _waiting_now(bank: Organization, queues: dict[str, Queue]) -> None:
    """A few clients waiting now (taken through the service)."""
    day = local_day(bank)
    waiting = Ticket.objects.filter(
        organization=bank, day=day, status=TicketStatus.WAITING, channel="kiosk"
    )
    if waiting.exists():
        return
    for index in range(WAITING_NOW):
        ticket_issue(queue=queues["A"], channel="kiosk")
        if index == 1:
            ticket_issue(queue=queues["P"], channel="kiosk")
    ticket_issue(queue=queues["almadies"], channel="kiosk")


# --- Hôpital Principal -----------------------------------------------------------------


def _hospital(hospital: Organization):
    branch = hospital.branches.filter(is_active=True).order_by("name").first()
    if branch is None:
        return None
    service = _service(
        hospital,
        "Consultation générale",
        description="Consultation de médecine générale, sans rendez-vous.",
        category=ServiceCategory.HEALTH,
        average_service_minutes=15,
    )
    queue = _queue(hospital, branch, service, "C", "Consultation générale", QueueKind.NORMAL)
    counter = _counter(hospital, branch, "Salle 1", [queue])
    agents = _agents(hospital)
    if agents:
        _staff(counter, agents[0])
        return agents[0]
    return None
