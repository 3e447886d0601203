"""Campus groups: a group's feed page with reaction counts per emoji, my reaction and the
comment count (``selectors.groups.attach_post_stats``: three aggregate queries for any
page) against the per-post loop (per post: a count per emoji, my reaction, its comment
count).

    python -m benchmarks.campus_group_feed [--members 300] [--posts 2000]
                                           [--repetitions 5] [--seed 31] [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. It bulk-inserts one
public group with ``--members`` members and ``--posts`` posts, each with 0 to 40
reactions (one per member, a random emoji of the set) and 0 to 5 comments. Then, for
pages of 10 and 100 posts (newest first), it measures the page with its statistics both
ways; both must give identical numbers, and the selector's query count must not change
with the page size. Prints the medians and the ratio loop / selector (``--check`` exits
1 when the selector is not faster at 100 posts).
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


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.campus_group_feed", description=__doc__
    )
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.members < 50 or args.posts < 100 or args.repetitions < 1:
        parser.error("members >= 50, posts >= 100, repetitions >= 1")
    return args


def fill(args, rng: random.Random):
    import uuid

    from django.contrib.auth import get_user_model

    from teranga.products.campus.models import (
        CampusGroup,
        GroupComment,
        GroupMembership,
        GroupPost,
        GroupReaction,
        Reaction,
    )

    started = time.perf_counter()
    User = get_user_model()
    users = [User(email=f"m{n}@feed.example", first_name=f"M{n}") for n in range(args.members)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(email__endswith="@feed.example").order_by("email"))
    group = CampusGroup.objects.create(name="Feed", members_count=len(users))
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, user=user) for user in users], batch_size=BATCH
    )
    now = datetime.now(UTC)
    posts, reactions, comments = [], [], []
    emojis = list(Reaction.values)
    for n in range(args.posts):
        post = GroupPost(
            id=uuid.uuid4(),
            group=group,
            author=rng.choice(users),
            text=f"post {n}",
        )
        posts.append(post)
        for user in rng.sample(users, rng.randint(0, 40)):
            reactions.append(GroupReaction(post_id=post.pk, user=user, emoji=rng.choice(emojis)))
        for _ in range(rng.randint(0, 5)):
            comments.append(GroupComment(post_id=post.pk, author=rng.choice(users), text="c"))
    GroupPost.objects.bulk_create(posts, batch_size=BATCH)
    # Spread creation times so that the feed order is stable.
    for index, post in enumerate(posts):
        post.created_at = now - timedelta(seconds=index)
    GroupPost.objects.bulk_update(posts, ["created_at"], batch_size=BATCH)
    GroupReaction.objects.bulk_create(reactions, batch_size=BATCH)
    GroupComment.objects.bulk_create(comments, batch_size=BATCH)
    print(
        f"  filled {len(users):,} members, {len(posts):,} posts, {len(reactions):,} reactions, "
        f"{len(comments):,} comments in {time.perf_counter() - started:.1f} s"
    )
    return group, users


def loop_stats(posts, user) -> list[tuple]:
    """The baseline: counts per post, one query each."""
    from teranga.products.campus.models import GroupComment, GroupReaction, Reaction

    rows = []
    for post in posts:
        counts = tuple(
            GroupReaction.objects.filter(post_id=post.pk, emoji=emoji).count()
            for emoji in Reaction.values
        )
        mine = (
            GroupReaction.objects.filter(post_id=post.pk, user=user)
            .values_list("emoji", flat=True)
            .first()
        )
        comments = GroupComment.objects.filter(post_id=post.pk).count()
        rows.append((counts, mine, comments))
    return rows


def measure(args, group, user, size: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teranga.products.campus.models import Reaction
    from teranga.products.campus.selectors.groups import attach_post_stats, group_posts

    fast_ms, loop_ms = [], []
    queries = 0
    fast = expected = None
    for _ in range(args.repetitions):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            page = list(group_posts(group=group).order_by("-created_at")[:size])
            attach_post_stats(page, user=user)
            fast_ms.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        fast = [
            (tuple(p.reaction_counts[e] for e in Reaction.values), p.my_reaction, p.comments_count)
            for p in page
        ]
        started = time.perf_counter()
        page = list(group_posts(group=group).order_by("-created_at")[:size])
        expected = loop_stats(page, user)
        loop_ms.append((time.perf_counter() - started) * 1000)
    assert fast == expected
    fast_s, loop_s = summary(fast_ms), summary(loop_ms)
    ratio = loop_s["median"] / fast_s["median"]
    print(
        f"  page of {size:>3}: selector {fast_s['median']:7.1f} ms ({queries} queries), "
        f"per-post loop {loop_s['median']:8.1f} ms ({1 + 7 * size} queries) — "
        f"loop / selector {ratio:5.1f}×; identical counts"
    )
    return queries, ratio


def run(args, environment) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    print(f"Campus group feed benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    group, users = fill(args, rng)
    small_queries, _ratio = measure(args, group, users[0], 10)
    big_queries, ratio = measure(args, group, users[0], 100)
    fixed = small_queries == big_queries
    print(
        f"  queries per page: {small_queries} → {big_queries}: "
        f"{'FIXED' if fixed else 'GROWING'}; at 100 posts the selector is {ratio:.1f}× faster "
        f"than the loop ({'MET' if ratio > 1 else 'MISSED'})"
    )
    assert fixed, "the number of queries grows with the page size"
    return 1 if args.check and ratio <= 1 else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("campus_group_feed") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
