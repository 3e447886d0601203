"""Notification throughput: notifications queued, then delivered by the task worker through
the file email backend and the sandbox SMS outbox, with the worker killed midway.

    python -m benchmarks.notification_throughput [--notifications 10000] [--users 500]
        [--task-workers 4] [--kill-at 0.4] [--redis-url redis://127.0.0.1:6379/9]

Against a throwaway database (see ``benchmarks``), with ``EMAIL_URL=filemail://<dir>``
(every email a file; its ``X-Teranga-Notification`` header names the notification) and
the default sandbox SMS provider (an ``SmsMessage`` outbox row per SMS, marked sent):

1. **setup**: ``--users`` users with a verified email address and a distinct verified
   +221 phone, in French, English and Wolof.
2. **baselines** (same run): (a) delivery of 1,000 notifications in this process with the
   task engine in immediate mode: ``notification_send`` then, at commit, the same
   delivery task run inline (no queue, no worker process); (b) the same 10,000
   notifications and 20,000 delivery rows written with ``bulk_create`` (no rendering,
   no queue). Both are deleted before the real run.
3. **queue**: ``--notifications`` × ``notification_send`` of the registered type
   ``payment.succeeded`` (urgent: preferences and quiet hours do not hold it back) on the
   email and SMS channels, one transaction each; after each commit the delivery task goes
   into the real queue (huey's SQLite file in DATA_DIR, or Redis with ``--redis-url``).
4. **deliver**: ``manage.py run_huey`` (``--task-workers`` threads, periodic tasks on)
   starts; once ``--kill-at`` of the emails and SMS are sent it gets SIGKILL, mid-flight,
   and is started again. Tasks the dead worker had taken from the queue are gone with it; the
   deliveries they were working on stay ``queued`` in the database, and the worker's own
   periodic jobs (``notifications.deliveries_redeliver_stale`` and
   ``notifications.sms_redeliver_stale``, every minute, for rows queued for over a
   minute) deliver them. Nothing here calls the recovery by hand: the figures include
   the wait for it, as a real restart would.
5. **verify**: every notification has exactly one email file and one SMS outbox row (no
   duplicate, none missing), every delivery is sent, every SMS is sent. Exits 1 if not.

Rates are notifications per second: an email sent (its file written) and an SMS sent (its
outbox row marked sent by the provider task) count half a notification each. Printed:
the first run (from the worker's start, boot included, to the kill), the second run
(boot included, until everything was delivered), how long the periodic recovery took
for what the killed worker held, and overall (first start to the last delivery).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from . import TaskWorker, throwaway_environment

KIND = "payment.succeeded"
CHANNELS = ("email", "sms")
DONE = ("sent", "delivered")
LANGUAGES = ("fr", "en", "wo")
BASELINE_COUNT = 1000
POLL = 0.25  # seconds between progress reads
DRAIN_TIMEOUT = 600.0  # seconds after the restart for everything to be delivered
HEADER = re.compile(rb"X-Teranga-Notification: ([0-9a-f-]{36})")
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # after each message, in the file backend
TOKEN = re.compile(r"NB(\d{6})")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.notification_throughput",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--task-workers", type=int, default=4, help="run_huey threads")
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction delivered")
    parser.add_argument(
        "--redis-url", default="", help="queue (and cache) on this Redis database instead"
    )
    args = parser.parse_args(argv)
    if not (
        100 <= args.notifications <= 100_000
        and 1 <= args.users <= 10_000
        and 1 <= args.task_workers <= 32
        and 0.05 <= args.kill_at <= 0.95
    ):
        parser.error(
            "100 <= notifications <= 100000, 1 <= users <= 10000, "
            "1 <= task-workers <= 32, 0.05 <= kill-at <= 0.95"
        )
    return args


# --- setup and baselines, in this process -------------------------------------------------


def make_users(count: int) -> list:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    users = []
    for n in range(count):
        user = get_user_model().objects.create_user(
            email=f"notify{n}@bench.example",
            phone=f"+22177{1_000_000 + n:07d}",
            phone_verified=True,
            language=LANGUAGES[n % len(LANGUAGES)],
        )
        users.append(user)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users]
    )
    return users


def send_one(users: list, index: int, prefix: str):
    """One notification, in its own transaction; delivery is queued at commit."""
    from django.db import transaction

    from teranga.platform.notifications.services import notification_send

    token = f"NB{index:06d}"
    with transaction.atomic():
        return notification_send(
            recipient=users[index % len(users)],
            kind=KIND,
            context={
                "amount": 5000 + index,
                "currency": "XOF",
                "organization": f"Salon {token}",
                "description": token,
                "transaction_number": token,
            },
            link=f"/payments/{token}",
            idempotency_key=f"{prefix}:{index}",
            channels=CHANNELS,
        )


def forget_everything(mail_dir: Path) -> None:
    from teranga.platform.notifications.models import Notification, SmsMessage

    Notification.objects.all().delete()
    SmsMessage.objects.all().delete()
    for path in mail_dir.glob("*"):
        path.unlink()


def baseline_inline(users: list, mail_dir: Path) -> float:
    """Seconds to record and deliver BASELINE_COUNT notifications inline."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    try:
        started = time.perf_counter()
        for index in range(BASELINE_COUNT):
            send_one(users, index, "baseline")
        seconds = time.perf_counter() - started
    finally:
        HUEY.immediate = False
    problems = check_delivered(mail_dir, expected=BASELINE_COUNT)
    if problems:
        raise SystemExit("The inline baseline did not deliver: " + "; ".join(problems))
    return seconds


def baseline_bulk(users: list, count: int) -> float:
    """Seconds to write ``count`` notifications and their delivery rows with bulk_create."""
    from django.db import transaction

    from teranga.platform.notifications.models import Notification, NotificationDelivery

    started = time.perf_counter()
    for first in range(0, count, 1000):
        with transaction.atomic():
            notifications = Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=users[i % len(users)],
                        kind=KIND,
                        title="Paiement reçu",
                        body=f"Votre paiement de {5000 + i} FCFA (NB{i:06d}) a été reçu.",
                        link=f"/payments/NB{i:06d}",
                        data={"amount": 5000 + i, "currency": "XOF"},
                        language="fr",
                        idempotency_key=f"bulk:{i}",
                    )
                    for i in range(first, min(first + 1000, count))
                ]
            )
            NotificationDelivery.objects.bulk_create(
                [
                    NotificationDelivery(notification=n, channel=channel)
                    for n in notifications
                    for channel in CHANNELS
                ]
            )
    return time.perf_counter() - started


# --- measuring and checking ---------------------------------------------------------------


def delivered_count() -> int:
    """Emails sent plus SMS sent by the provider (the SMS delivery row only queues the
    outbox row; a second task sends it): two per notification once it is complete."""
    from teranga.platform.notifications.models import NotificationDelivery, SmsMessage

    return (
        NotificationDelivery.objects.filter(channel="email", status__in=DONE).count()
        + SmsMessage.objects.filter(status="sent").count()
    )


def outstanding() -> tuple[int, int]:
    """(deliveries still queued, SMS outbox rows still queued)."""
    from teranga.platform.notifications.models import NotificationDelivery, SmsMessage

    return (
        NotificationDelivery.objects.filter(status="queued").count(),
        SmsMessage.objects.filter(status="queued").count(),
    )


def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*map(_strings, value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*map(_strings, value)) if value else set()
    return set()


def stranded() -> tuple[set[str], set[str]]:
    """Right after the kill: (notifications with a queued delivery, queued SMS outbox
    rows) that no task left in the queue names. Their task died with the worker (or
    was never queued); only the periodic recovery delivers them."""
    from huey.contrib.djhuey import HUEY

    from teranga.platform.notifications.models import NotificationDelivery, SmsMessage

    named: set[str] = set()
    for task in HUEY.pending():
        named |= _strings(list(task.args or ())) | _strings(task.kwargs or {})
    notifications = {
        str(pk)
        for pk in NotificationDelivery.objects.filter(status="queued").values_list(
            "notification_id", flat=True
        )
    }
    sms = {
        str(pk) for pk in SmsMessage.objects.filter(status="queued").values_list("pk", flat=True)
    }
    return notifications - named, sms - named


def still_queued(notifications: set[str], sms: set[str]) -> int:
    from teranga.platform.notifications.models import NotificationDelivery, SmsMessage

    return (
        NotificationDelivery.objects.filter(
            notification_id__in=list(notifications), status="queued"
        ).count()
        + SmsMessage.objects.filter(pk__in=list(sms), status="queued").count()
    )


def email_counts(mail_dir: Path) -> tuple[Counter, Counter]:
    """(emails per notification id, of which cut short), from every file of the file
    backend. It writes each message followed by a line of 79 dashes; a message without
    one was still being written when the worker was killed."""
    counts: Counter = Counter()
    partial: Counter = Counter()
    for path in mail_dir.glob("*"):
        chunks = path.read_bytes().split(SEPARATOR)
        for index, chunk in enumerate(chunks):
            for match in HEADER.finditer(chunk):
                counts[match.group(1).decode()] += 1
                if index == len(chunks) - 1:
                    partial[match.group(1).decode()] += 1
    return counts, partial


def sms_counts() -> tuple[Counter, int, str]:
    """(SMS rows per notification token, rows, how they were matched)."""
    from teranga.platform.notifications.models import NotificationDelivery, SmsMessage

    rows = list(SmsMessage.objects.values_list("pk", "body"))
    tokens = [TOKEN.search(body) for _, body in rows]
    if rows and all(tokens):
        return Counter(int(t.group(1)) for t in tokens), len(rows), "the token in each text"
    # The text does not carry the token (a template without it): match through the
    # deliveries' references ("sms:<outbox row id>"); an unreferenced row is a duplicate.
    references = Counter(
        NotificationDelivery.objects.filter(channel="sms").values_list(
            "provider_message_id", flat=True
        )
    )
    by_row = {f"sms:{pk}": n for n, (pk, _) in enumerate(rows)}
    counts: Counter = Counter({by_row[ref]: 1 for ref in references if ref in by_row})
    orphans = sum(1 for ref in by_row if ref not in references)
    if orphans:
        counts[-1] = orphans + 1  # shown as duplicates below
    return counts, len(rows), "delivery references (texts carry no token)"


def check_delivered(mail_dir: Path, *, expected: int) -> list[str]:
    """Problems with the delivery of the ``expected`` notifications in the database."""
    from teranga.platform.notifications.models import (
        Notification,
        NotificationDelivery,
        SmsMessage,
    )

    problems = []
    ids = {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
    if len(ids) != expected:
        problems.append(f"{len(ids)} notifications recorded, expected {expected}")
    emails, partial = email_counts(mail_dir)
    missing = [i for i in ids if emails[i] == 0]
    twice = {i: n for i, n in emails.items() if n > 1}
    strays = [i for i in emails if i not in ids]
    if missing or twice or strays:
        problems.append(
            f"emails: {len(missing)} missing, {len(twice)} sent more than once "
            f"({sum(twice.values()) - len(twice)} extra, {sum(partial.values())} of all "
            f"copies cut short by the kill), {len(strays)} for unknown ids"
            + (f"; twice: {sorted(twice)[:5]}" if twice else "")
        )
    sms, rows, _how = sms_counts()
    if rows != expected or any(n != 1 for n in sms.values()) or len(sms) != expected:
        extra = sum(n - 1 for n in sms.values() if n > 1)
        problems.append(f"SMS outbox: {rows} rows for {expected}; {extra} extra")
    statuses = Counter(NotificationDelivery.objects.values_list("channel", "status"))
    not_done = {k: v for k, v in statuses.items() if k[1] not in DONE}
    if not_done:
        problems.append(f"deliveries not sent: {not_done}")
    sms_statuses = Counter(SmsMessage.objects.values_list("status", flat=True))
    if set(sms_statuses) - {"sent"}:
        problems.append(f"SMS outbox statuses: {dict(sms_statuses)}")
    return problems


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:8.1f}/s" if seconds > 0 else "     n/a"


# --- the run ------------------------------------------------------------------------------


def configure(args, environment) -> tuple[Path, str]:
    """This process's (and the worker's) environment: file email, sandbox SMS, the queue."""
    data_dir = Path(environment.variables["DATA_DIR"])
    mail_dir = data_dir / "mail"
    mail_dir.mkdir()
    os.environ.pop("EMAIL_PROVIDER", None)  # the file backend, never an API provider
    os.environ.update(
        # Four slashes: django-environ drops the first character of the path.
        EMAIL_URL=f"filemail:///{mail_dir}",
        SMS_PROVIDER="sandbox",
        EMBEDDED_WORKER="0",
        TASKS_IMMEDIATE="0",
        TASK_WORKERS=str(args.task_workers),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    queue = f"huey SQLite file {data_dir / 'tasks.sqlite3'}"
    if args.redis_url:
        unique = f"benchnotify{uuid.uuid4().hex[:8]}"
        os.environ.update(REDIS_URL=args.redis_url, HUEY_NAME=unique, CHANNELS_PREFIX=unique)
        parsed = urlparse(args.redis_url)
        queue = f"huey on Redis {urlunparse(parsed._replace(netloc=parsed.hostname or ''))}"
    return mail_dir, queue


def forget_redis(args) -> None:
    if not args.redis_url:
        return
    import redis

    client = redis.Redis.from_url(args.redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{os.environ['HUEY_NAME']}*", count=1000))
        for first in range(0, len(keys), 1000):
            client.delete(*keys[first : first + 1000])
    finally:
        client.close()


def run(args, environment) -> int:
    import django

    mail_dir, queue = configure(args, environment)
    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    if Path(settings.EMAIL_FILE_PATH) != mail_dir:
        raise SystemExit(f"EMAIL_FILE_PATH is {settings.EMAIL_FILE_PATH}, not {mail_dir}")
    from django.utils.module_loading import autodiscover_modules

    logging.getLogger("huey").setLevel(logging.WARNING)  # no line per inline task
    autodiscover_modules("tasks")  # as run_huey does: every task in the queue is known

    total = args.notifications
    print(f"Notification throughput benchmark — {environment.description}")
    print(
        f"  {total} notifications ({KIND}: email + SMS) for {args.users} users; {queue}; "
        f"worker: manage.py run_huey, {args.task_workers} threads, killed (SIGKILL) at "
        f"{args.kill_at:.0%} delivered; machine: {os.cpu_count()} CPU(s)"
    )
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    users = make_users(args.users)
    print(f"  setup: {args.users} users in {time.perf_counter() - started:.1f} s")

    inline = baseline_inline(users, mail_dir)
    forget_everything(mail_dir)
    bulk = baseline_bulk(users, total)
    forget_everything(mail_dir)

    started = time.perf_counter()
    for index in range(total):
        send_one(users, index, "bench")
    queued_in = time.perf_counter() - started
    from huey.contrib.djhuey import HUEY

    print(f"  queue ({total} × notification_send + enqueue, one transaction each):")
    print(f"    {queued_in:8.1f} s {rate(total, queued_in)}; queue length {HUEY.pending_count()}")
    print(f"    baseline bulk_create of the same rows: {bulk:.1f} s {rate(total, bulk)}")
    print(f"    ratio: {queued_in / bulk:.1f}× the bulk write")
    print("  delivery (notifications/s; each = 1 email file + 1 SMS outbox row, sent):")
    print(
        f"    baseline, inline in this process ({BASELINE_COUNT}, no queue): "
        f"{inline:6.1f} s {rate(BASELINE_COUNT, inline)}"
    )
    expected_deliveries = total * len(CHANNELS)
    kill_at = int(expected_deliveries * args.kill_at)

    env = dict(os.environ)
    log_dir = Path(environment.variables["DATA_DIR"])
    first = TaskWorker(env, log_dir / "worker-1.log")
    second = None
    try:
        while delivered_count() < kill_at:
            first.check_alive()
            time.sleep(POLL)
        first.kill()
        killed_after = time.perf_counter() - first.started
        done_at_kill = delivered_count()  # what the dead worker committed
        lost_notifications, lost_sms = stranded()
        second = TaskWorker(env, log_dir / "worker-2.log")
        drained_after = recovered_after = None
        deadline = time.perf_counter() + DRAIN_TIMEOUT
        while True:
            second.check_alive()
            now = time.perf_counter()
            if drained_after is None and HUEY.pending_count() == 0:
                drained_after = now - second.started
            if recovered_after is None and not still_queued(lost_notifications, lost_sms):
                recovered_after = now - second.started
            queued, sms_queued = outstanding()
            if (not queued and not sms_queued) or now > deadline:
                break
            time.sleep(POLL)
        finished = time.perf_counter()
    finally:
        if second is not None:
            second.stop()
        if not first.log.closed:
            first.stop()
    overall = finished - first.started
    second_run = finished - second.started

    problems = check_delivered(mail_dir, expected=total)
    _counts, _rows, how = sms_counts()
    forget_redis(args)

    first_rate = done_at_kill / len(CHANNELS) / killed_after
    print(
        f"    first run (boot included) until SIGKILL: {done_at_kill / 2:8.0f} in "
        f"{killed_after:6.1f} s {rate(done_at_kill / 2, killed_after)}"
    )
    rest = total - done_at_kill / 2
    print(
        f"    second run (boot included) until the rest was delivered: {rest:5.0f} in "
        f"{second_run:6.1f} s {rate(rest, second_run)}"
        + (f"; its queue was empty after {drained_after:.1f} s" if drained_after else "")
    )
    print(
        f"    left by the killed worker (their task died with it): "
        f"{len(lost_notifications)} notifications with queued deliveries, "
        f"{len(lost_sms)} queued SMS"
        + (
            ""
            if not (lost_notifications or lost_sms)
            else f"; delivered by the periodic recovery jobs {recovered_after:.1f} s after "
            "the restart"
            if recovered_after is not None
            else "; NOT recovered"
        )
    )
    print(f"    overall: {total} in {overall:6.1f} s {rate(total, overall)}")
    print(
        f"    ratio to the inline baseline: first run "
        f"{first_rate / (BASELINE_COUNT / inline):.2f}×, overall "
        f"{(total / overall) / (BASELINE_COUNT / inline):.2f}×"
    )
    print(f"  check (SMS matched by {how}):")
    if problems:
        print("    RULE BROKEN:\n      " + "\n      ".join(problems))
        print("  worker log (tail, second run):\n" + second.output())
        return 1
    print(
        f"    {total} notifications: {total} email files and {total} SMS outbox rows, "
        "each exactly once; every delivery and SMS sent"
    )
    return 0


def main(argv=None) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when redirected too
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("notify") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
