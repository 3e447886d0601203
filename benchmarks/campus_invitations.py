"""Campus invitations: the cost of the invitation clause of ``visibility_q`` (an
``EXISTS`` over the ``(user, status)`` index) on the event list, and a bulk invite.

    python -m benchmarks.campus_invitations [--events 3000] [--invitations 20000]
                                            [--repetitions 7] [--seed 31]

Runs on a throwaway database (see ``benchmarks``): SQLite, or PostgreSQL with
``DATABASE_URL``. It bulk-inserts one university with ``--events`` published events, two
thirds of them invite-only, and ``--invitations`` invitations spread over 500 other users;
the measured invitee holds invitations to 200 invite-only events. Then, for the invitee
and for a student with no invitation (the baseline, same query), the first page of 20 of
``visible_events`` and its count (medians, ratio invitee / baseline), and one bulk invite
of 50 addresses through ``services.invitations.invitations_create``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from . import summary, throwaway_environment

BATCH = 2000


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.campus_invitations")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--invitations", type=int, default=20000)
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--seed", type=int, default=31)
    return parser.parse_args(argv)


def run(args, environment) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    print(f"Campus invitations benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    from teranga.platform.organizations.models import Membership, Organization
    from teranga.products.campus.models import Event, EventInvitation, StudentProfile
    from teranga.products.campus.selectors.access import visible_events
    from teranga.products.campus.services.invitations import invitations_create

    rng = random.Random(args.seed)  # noqa: S311 - test data
    now = datetime.now(UTC)
    started = time.perf_counter()
    university = Organization.objects.create(kind="university", name="U", slug="u-bench")
    User = get_user_model()
    users = [User(email=f"u{n}@bench.example") for n in range(502)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(email__endswith="@bench.example").order_by("email"))
    invitee, stranger, others = users[0], users[1], users[2:]
    StudentProfile.objects.bulk_create(
        [StudentProfile(user=u, university=university) for u in (invitee, stranger)]
    )
    manager = User.objects.create_user(email="manager@bench.example", password=None)
    Membership.objects.create(organization=university, user=manager, role="manager")
    events = [
        Event(
            id=uuid.uuid4(),
            organization_id=university.pk,
            university_id=university.pk,
            title=f"Event {n}",
            starts_at=now + timedelta(days=1 + n % 60),
            ends_at=now + timedelta(days=1 + n % 60, hours=2),
            status="published",
            visibility="invite" if n % 3 else "public",
        )
        for n in range(args.events)
    ]
    Event.objects.bulk_create(events, batch_size=BATCH)
    private = [e for e in events if e.visibility == "invite"]
    rows = [
        EventInvitation(event_id=e.pk, user_id=invitee.pk, code=uuid.uuid4().hex[:16])
        for e in rng.sample(private, min(200, len(private)))
    ]
    pairs = set()
    while len(pairs) < args.invitations:
        pairs.add((rng.randrange(len(private)), rng.randrange(len(others))))
    rows += [
        EventInvitation(event_id=private[e].pk, user_id=others[u].pk, code=uuid.uuid4().hex[:16])
        for e, u in pairs
    ]
    EventInvitation.objects.bulk_create(rows, batch_size=BATCH)
    print(
        f"  filled {len(events):,} events ({len(private):,} invite-only), "
        f"{len(rows):,} invitations in {time.perf_counter() - started:.1f} s"
    )

    def timed(user):
        times = []
        for _ in range(args.repetitions):
            user.__dict__.pop("_campus_university_id", None)
            t0 = time.perf_counter()
            queryset = visible_events(user).order_by("starts_at")
            count = queryset.count()
            page = list(queryset[:20])
            times.append((time.perf_counter() - t0) * 1000)
        return summary(times), count, len(page)

    base, base_count, _ = timed(stranger)
    mine, my_count, _ = timed(invitee)
    public = len(events) - len(private)
    assert base_count == public and my_count == public + 200, (base_count, my_count)
    print(
        f"  event list (page of 20 + count): baseline (no invitation) {base['median']:.1f} ms "
        f"({base_count:,} events), invitee {mine['median']:.1f} ms ({my_count:,} events) — "
        f"invitee / baseline {mine['median'] / base['median']:.2f}×"
    )
    times = []
    for n in range(3):
        entries = [{"email": f"guest{n}-{i}@elsewhere.example"} for i in range(50)]
        t0 = time.perf_counter()
        invitations_create(user=manager, event_id=private[n].pk, entries=entries)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"  bulk invite of 50 addresses (with notifications): {summary(times)['median']:.0f} ms")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_invitations") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
