"""Offline evaluation of Campus recommendations: precision@10 of the documented score
(``selectors.recommendations``) against a popularity-only ranking, on a demo-like campus.

    python -m benchmarks.campus_recommendations [--students 300] [--events 120] [--seed 5]

The demo itself has three students: too few to measure anything. This builds, on a
throwaway database (SQLite, or PostgreSQL with ``DATABASE_URL``), a campus shaped like
the demo's at a realistic size: three universities with two clubs each, ``--students``
students (each of one university, with two or three interests among 24 tags, following
one or two tags and maybe a club), grouped in circles of five friends who went to three
past events together, and ``--events`` upcoming events over the next 30 days (one to
three tags, an organiser, an intrinsic appeal).

Who goes to which upcoming event is drawn from a hidden model that the score does not
see: a base rate, plus more for their university, each matching interest, a followed
organiser, the event's appeal, and a friend going. A third of each event's goers bought
early (their tickets exist: they make the popularity, and the friends signal); the other
two thirds are the truth to find. For every student with at least one late purchase, both
rankings are computed as of now (the student's early tickets are left out by the
recommender, as in the API) and scored by precision@10 = late purchases among the top
10 ÷ 10. It prints both means and their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

from . import throwaway_environment

TAGS = [
    "tech", "ia", "musique", "sport", "football", "basket", "danse", "theatre", "cinema",
    "litterature", "entrepreneuriat", "carriere", "sante", "environnement", "agriculture",
    "mode", "photo", "jeux", "religion", "debat", "science", "maths", "langues", "voyage",
]  # fmt: skip
CIRCLE = 5


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campus_recommendations", description=__doc__
    )
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--events", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if args.students < CIRCLE or args.events < 20:
        parser.error(f"at least {CIRCLE} students and 20 events")
    return args


def build(args, rng: random.Random):
    """The campus; returns (students, {student id: set of event ids bought late})."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from teranga.platform.organizations.models import Organization
    from teranga.products.campus.models import (
        CampusOrganizer,
        Event,
        EventStatus,
        Order,
        OrderStatus,
        OrganizerFollow,
        StudentProfile,
        Tag,
        TagFollow,
        Ticket,
        TicketType,
    )

    now = timezone.now()
    tags = [Tag.objects.create(slug=slug) for slug in TAGS]
    universities, clubs = [], []
    for n in range(3):
        university = Organization.objects.create(
            kind="university", name=f"Université {n}", slug=f"universite-{n}"
        )
        universities.append(university)
        for m in range(2):
            club = Organization.objects.create(
                kind="club", name=f"Club {n}.{m}", slug=f"club-{n}-{m}"
            )
            CampusOrganizer.objects.create(organization=club, university=university)
            clubs.append((club, university))
    User = get_user_model()
    students = User.objects.bulk_create(
        [
            User(email=f"etudiant{n}@bench.test", first_name="Étudiant", last_name=str(n))
            for n in range(args.students)
        ]
    )
    profile_of = {}
    for index, student in enumerate(students):
        university = universities[(index // CIRCLE) % len(universities)]  # a circle shares one
        profile = StudentProfile.objects.create(user=student, university=university)
        interests = rng.sample(tags, rng.choice((2, 3)))
        profile.interests.set(interests)
        followed = rng.sample(interests, rng.choice((1, 2)))
        TagFollow.objects.bulk_create([TagFollow(user=student, tag=tag) for tag in followed])
        club = None
        if rng.random() < 0.5:
            club = rng.choice([c for c, u in clubs if u == university])
            OrganizerFollow.objects.create(user=student, organization=club)
        profile_of[student.pk] = (university, {tag.pk for tag in interests}, club)

    def event(organization, university, days, chosen_tags, title):
        made = Event.objects.create(
            organization=organization,
            university=university,
            title=title,
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=2),
            status=EventStatus.PUBLISHED,
            published_at=now,
        )
        made.tags.set(chosen_tags)
        kind = TicketType.objects.create(
            event=made, organization=organization, name="Entrée", kind="free", price=0, quota=10_000
        )
        return made, kind

    def tickets(pairs):
        """Issue one ticket per (event, ticket type, student)."""
        orders = Order.objects.bulk_create(
            [
                Order(
                    organization_id=e.organization_id,
                    event=e,
                    buyer=s,
                    status=OrderStatus.PAID,
                    currency="XOF",
                )
                for e, _k, s in pairs
            ]
        )
        Ticket.objects.bulk_create(
            [
                Ticket(
                    organization_id=e.organization_id,
                    event=e,
                    order=o,
                    ticket_type=k,
                    holder=s,
                    code=f"B{rng.getrandbits(64):016x}",
                )
                for (e, k, s), o in zip(pairs, orders, strict=True)
            ]
        )
        for e, _k, _s in pairs:
            Event.objects.filter(pk=e.pk).update(sold_count=e.tickets.count())

    # Circles of friends went to three past events together.
    past = [
        event(*rng.choice(clubs), -rng.randint(5, 60), rng.sample(tags, 1), f"Passé {n}")
        for n in range(30)
    ]
    pairs = []
    for start in range(0, len(students), CIRCLE):
        circle = students[start : start + CIRCLE]
        for made, kind in rng.sample(past, 3):
            pairs += [(made, kind, student) for student in circle]
    tickets(pairs)

    # Upcoming events and who goes, by the hidden model.
    upcoming = []
    for n in range(args.events):
        organization, university = (
            rng.choice(clubs) if rng.random() < 0.6 else (rng.choice(universities),) * 2
        )
        chosen = rng.sample(tags, rng.choice((1, 2, 3)))
        made, kind = event(organization, university, rng.uniform(0.5, 30), chosen, f"Événement {n}")
        upcoming.append((made, kind, {tag.pk for tag in chosen}, rng.lognormvariate(0, 0.6)))
    goers: dict = {}
    for made, kind, tag_ids, appeal in upcoming:
        going = []
        for start in range(0, len(students), CIRCLE):
            circle = students[start : start + CIRCLE]
            friend_going = False
            for student in circle:
                university, interests, club = profile_of[student.pk]
                p = 0.004 + 0.02 * appeal
                p += 0.05 if made.university_id == university.pk else 0
                p += 0.09 * len(interests & tag_ids)
                p += 0.10 if club is not None and club.pk == made.organization_id else 0
                p += 0.12 if friend_going else 0
                if rng.random() < min(p, 0.9):
                    going.append(student)
                    friend_going = True
        rng.shuffle(going)
        early = going[: len(going) // 3]
        goers[made.pk] = (made, kind, early, going[len(going) // 3 :])
    early_pairs = [(m, k, s) for m, k, early, _late in goers.values() for s in early]
    if early_pairs:
        tickets(early_pairs)
    late_of: dict = {}
    for made, _kind, _early, late in goers.values():
        for student in late:
            late_of.setdefault(student.pk, set()).add(made.pk)
    return students, late_of


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from teranga.products.campus.selectors.recommendations import ranked

    print(f"Campus recommendations, offline evaluation — {environment.description}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not secrets
    started = time.perf_counter()
    students, late_of = build(args, rng)
    print(
        f"  campus built in {time.perf_counter() - started:.1f} s: {len(students)} students, "
        f"{args.events} upcoming events, {sum(map(len, late_of.values()))} late purchases to find"
    )
    now = timezone.now()
    ours, baseline, timings = [], [], []
    for student in students:
        truth = late_of.get(student.pk)
        if not truth:
            continue
        t0 = time.perf_counter()
        top = [pk for pk, _score, _reasons in ranked(user=student, now=now)[:10]]
        timings.append((time.perf_counter() - t0) * 1000)
        popular = [
            pk for pk, _score, _reasons in ranked(user=student, now=now, popularity_only=True)[:10]
        ]
        ours.append(len(truth & set(top)) / 10)
        baseline.append(len(truth & set(popular)) / 10)
    if not ours:
        print("  nobody bought late: nothing to evaluate")
        return 1
    mean_ours, mean_base = sum(ours) / len(ours), sum(baseline) / len(baseline)
    timings.sort()
    print(f"  students evaluated: {len(ours)}")
    print(f"  precision@10, documented score:  {mean_ours:.3f}")
    print(f"  precision@10, popularity only:   {mean_base:.3f}")
    ratio = mean_ours / mean_base if mean_base else float("inf")
    print(
        f"  ratio: {ratio:.2f}×   (ranking time per student: median "
        f"{timings[len(timings) // 2]:.1f} ms)"
    )
    return 0 if mean_ours > mean_base else 1


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_recommendations") as environment:
        return run(args, environment)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(main())
