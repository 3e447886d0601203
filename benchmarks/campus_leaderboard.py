"""Campus community: a university's badge leaderboard (one query per page) against the
per-student loop (two counts per student, sorted in Python), and the badge sweep.

    python -m benchmarks.campus_leaderboard [--students 2000] [--events 30]
                                            [--repetitions 5] [--seed 29] [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It bulk-inserts one
university with ``--students`` students, ``--events`` past events, and for each student
tickets to a random number of them (0 to 12), each checked in (a presence with a first
entry); a fifth of the students also wrote a review. Then:

* **sweep**: the periodic job ``campus.badges_award`` (``badges_award_recent``) over
  every student (all active since the last run), then a second run, which must award
  nothing (idempotent);
* **leaderboard**: ``selectors.badges.leaderboard`` — the first page of 20 and the
  count, at a tenth of the students and at all of them (the query count must not
  change), against the **loop**: per student, count their badges and events attended,
  then sort. Both must give the same top 20 (badges, events attended).

Prints the medians and the ratio loop / leaderboard (``--check`` exits 1 when the
leaderboard is not faster than the loop at full size).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from . import summary, throwaway_environment

BATCH = 2000
PAGE = 20


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campus_leaderboard", description=__doc__
    )
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.students < 100 or args.events < 12 or args.repetitions < 1:
        parser.error("students >= 100, events >= 12, repetitions >= 1")
    return args


def fill(args, now: datetime, rng: random.Random):
    import uuid

    from django.contrib.auth import get_user_model

    from teranga.platform.organizations.models import Organization
    from teranga.products.campus.models import (
        CheckinList,
        Event,
        Order,
        Review,
        StudentProfile,
        Ticket,
        TicketPresence,
        TicketType,
    )

    started = time.perf_counter()
    university = Organization.objects.create(
        kind="university", name="Université Leaderboard", slug="universite-leaderboard"
    )
    User = get_user_model()
    users = [
        User(email=f"s{n}@bench.example", first_name=f"S{n}", last_name="Bench")
        for n in range(args.students)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(email__endswith="@bench.example").order_by("email"))
    StudentProfile.objects.bulk_create(
        [StudentProfile(user=user, university=university) for user in users], batch_size=BATCH
    )
    events, types, lists = [], [], []
    for n in range(args.events):
        starts_at = now - timedelta(days=n + 1)
        event = Event(
            id=uuid.uuid4(),
            organization_id=university.pk,
            university_id=university.pk,
            title=f"Event {n}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            status="published",
        )
        events.append(event)
        types.append(
            TicketType(
                id=uuid.uuid4(),
                event_id=event.pk,
                organization_id=university.pk,
                name="Entrée",
                kind="free",
                price=0,
                quota=args.students,
            )
        )
        lists.append(
            CheckinList(id=uuid.uuid4(), event_id=event.pk, organization_id=university.pk, name="A")
        )
    Event.objects.bulk_create(events)
    TicketType.objects.bulk_create(types)
    CheckinList.objects.bulk_create(lists)
    orders, tickets, presences, reviews = [], [], [], []
    for user in users:
        attended = rng.sample(range(args.events), rng.randint(0, 12))
        for index in attended:
            order = Order(
                id=uuid.uuid4(),
                organization_id=university.pk,
                event_id=events[index].pk,
                buyer_id=user.pk,
                status="paid",
                currency="XOF",
                paid_at=now,
            )
            orders.append(order)
            ticket = Ticket(
                id=uuid.uuid4(),
                organization_id=university.pk,
                event_id=events[index].pk,
                order_id=order.pk,
                ticket_type_id=types[index].pk,
                holder_id=user.pk,
                code=uuid.uuid4().hex[:20],
            )
            tickets.append(ticket)
            presences.append(
                TicketPresence(
                    checkin_list_id=lists[index].pk,
                    ticket_id=ticket.pk,
                    inside=False,
                    first_entry_at=now - timedelta(minutes=rng.randint(1, 600)),
                )
            )
        if attended and rng.random() < 0.2:
            reviews.append(
                Review(
                    event_id=events[attended[0]].pk,
                    organization_id=university.pk,
                    author_id=user.pk,
                    rating=rng.randint(1, 5),
                )
            )
    for model, rows in (
        (Order, orders),
        (Ticket, tickets),
        (TicketPresence, presences),
        (Review, reviews),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)
    print(
        f"  filled {len(users):,} students, {len(events)} events, {len(tickets):,} checked-in "
        f"tickets, {len(reviews):,} reviews in {time.perf_counter() - started:.1f} s"
    )
    return university, users


def loop_top(users) -> list[tuple[int, int]]:
    """The baseline: two counts per student, then a sort."""
    from teranga.products.campus.models import BadgeAward, Ticket

    rows = []
    for user in users:
        badges = BadgeAward.objects.filter(user_id=user.pk).count()
        attended = (
            Ticket.objects.filter(holder_id=user.pk, presences__first_entry_at__isnull=False)
            .values("event_id")
            .distinct()
            .count()
        )
        rows.append((badges, attended))
    rows.sort(reverse=True)
    return rows[:PAGE]


def measure(args, university, users, label: str):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teranga.products.campus.selectors.badges import leaderboard

    board_ms, loop_ms = [], []
    top = expected = None
    queries = 0
    for _ in range(args.repetitions):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            queryset = leaderboard(university=university)
            total = queryset.count()
            top = [(row.badges, row.attended) for row in queryset[:PAGE]]
            board_ms.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        started = time.perf_counter()
        expected = loop_top(users)
        loop_ms.append((time.perf_counter() - started) * 1000)
    assert top == expected, (top, expected)
    assert total == len(users), (total, len(users))
    board, loop = summary(board_ms), summary(loop_ms)
    ratio = loop["median"] / board["median"]
    print(
        f"  {label:>15}: leaderboard page {board['median']:8.1f} ms ({queries} queries), "
        f"per-student loop {loop['median']:9.1f} ms ({2 * len(users):,} queries) — "
        f"loop / leaderboard {ratio:6.1f}×; identical top {PAGE} (leader: {top[0][0]} badges, "
        f"{top[0][1]} events)"
    )
    return queries, ratio


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Campus leaderboard benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    now = datetime.now(UTC)
    university, users = fill(args, now, rng)

    from teranga.products.campus.models import BadgeAward, StudentProfile
    from teranga.products.campus.services.badges import badges_award_recent

    started = time.perf_counter()
    awarded = badges_award_recent()
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = badges_award_recent()
    second = time.perf_counter() - started
    assert again == 0 and BadgeAward.objects.count() == awarded
    print(
        f"  sweep: {awarded:,} badges for {len(users):,} students in {first:.1f} s "
        f"({len(users) / first:,.0f} students/s); second run {second:.1f} s, {again} awarded "
        f"(idempotent)"
    )

    from teranga.platform.organizations.models import Organization

    small = Organization.objects.create(kind="university", name="Petite", slug="petite")
    tenth = users[: len(users) // 10]
    StudentProfile.objects.filter(user__in=tenth).update(university=small)
    small_queries, _ratio = measure(args, small, tenth, f"{len(tenth):,} students")
    rest = users[len(tenth) :]
    big_queries, ratio = measure(args, university, rest, f"{len(rest):,} students")
    fixed = small_queries == big_queries
    print(
        f"  queries per page: {small_queries} → {big_queries}: "
        f"{'FIXED' if fixed else 'GROWING'}; at full size the leaderboard is {ratio:.1f}× "
        f"faster than the loop ({'MET' if ratio > 1 else 'MISSED'})"
    )
    assert fixed, "the number of queries grows with the number of students"
    return 1 if args.check and ratio <= 1 else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_leaderboard") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
