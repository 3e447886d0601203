"""Crash during notifications: notifications on email and SMS, delivered by the task worker
while it is killed with ``kill -9``; each must reach its provider exactly once per channel,
counted at the providers (see README.md).

    python -m benchmarks.notification_crash [--notifications 1000] [--users 100]
        [--task-workers 4] [--kills 1] [--redis-url redis://127.0.0.1:6379/9]

The providers are local stand-ins on 127.0.0.1 (``benchmarks.ProviderSinks``) that count
what they are asked to send: email goes through Django's SMTP backend to an aiosmtpd
server, SMS through the real Orange SMS adapter (``SMS_PROVIDER=orange``) to an HTTP
endpoint speaking Orange's API. They live in this process, so a kill loses nothing they
counted. The notifications (``payment.succeeded``, urgent, email + SMS) are queued as
``benchmarks.notification_throughput`` queues them (one transaction each, the delivery task
enqueued at commit), then ``manage.py run_huey`` delivers them; at evenly spaced points of
the deliveries it gets ``kill -9`` (its process group) and is started again. What the
dead worker held is left to the periodic recovery jobs (every minute, for rows queued for
over a minute); nothing here delivers by hand.

The rule, at the providers: every notification's email (by its ``X-Teranga-Notification``
header) and SMS (by the token its text carries) accepted, none missing, none for an
unknown notification. No provider we use takes an idempotency key for sending, so a worker
killed after the provider accepted a message and before the outbox recorded it re-sends
it (at-least-once): such copies (the first accepted before a kill, the next after the
restart) are counted and printed apart, and may not exceed the worker's threads per kill
per channel. Any other second copy breaks the rule. In the database: every delivery and
every SMS sent. Exits 1 if the rule is broken.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from . import ProviderSinks, TaskWorker, crash_window_copies, throwaway_environment
from .notification_throughput import CHANNELS, KIND, TOKEN, make_users, outstanding, send_one

POLL = 0.25
DRAIN_TIMEOUT = 420.0  # after the last restart, for everything to be delivered
PROGRESS_TIMEOUT = 300.0  # for the deliveries to reach a kill point


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.notification_crash", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--notifications", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--task-workers", type=int, default=4, help="run_huey threads")
    parser.add_argument("--kills", type=int, default=1, help="kill -9 of the worker")
    parser.add_argument("--redis-url", default="", help="queue (and cache) on this Redis database")
    args = parser.parse_args(argv)
    if not (
        10 <= args.notifications <= 20_000
        and 1 <= args.users <= 5000
        and 1 <= args.task_workers <= 16
        and 1 <= args.kills <= 5
    ):
        parser.error(
            "10 <= notifications <= 20000, 1 <= users <= 5000, 1 <= task-workers <= 16, "
            "1 <= kills <= 5"
        )
    return args


def accepted(sinks: ProviderSinks) -> int:
    emails, sms = sinks.snapshot()
    return len(emails) + len(sms)


def sms_key(text: str) -> str:
    match = TOKEN.search(text)
    return match.group(0) if match else f"?{text[:40]}"


def figures(sinks: ProviderSinks, kills: list, threads: int) -> dict:
    from teranga.platform.notifications.models import (
        Notification,
        NotificationDelivery,
        SmsMessage,
    )

    emails, sms = sinks.snapshot()
    sms = [type(s)(at=s.at, key=sms_key(s.key), message_id=s.message_id) for s in sms]
    ids = {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
    tokens = {  # what send_one put in each notification, and its SMS text carries
        str(data.get("transaction_number"))
        for data in Notification.objects.values_list("data", flat=True)
    }
    result = {"notifications": len(ids), "kills": len(kills), "bound": threads * len(kills)}
    for channel, items, wanted in (("email", emails, ids), ("sms", sms, tokens)):
        counts = Counter(item.key for item in items)
        across, other = crash_window_copies(items, kills)
        result[channel] = {
            "accepted": len(items),
            "distinct": len(counts),
            "missing": len(wanted - set(counts)),
            "strays": len(set(counts) - wanted),
            "across": sum(across.values()),
            "other": sum(other.values()),
        }
    result["deliveries"] = Counter(NotificationDelivery.objects.values_list("channel", "status"))
    result["sms_rows"] = Counter(SmsMessage.objects.values_list("status", flat=True))
    return result


def problems_of(result: dict, expected: int) -> list[str]:
    problems = []
    if result["notifications"] != expected:
        problems.append(f"{result['notifications']} notifications recorded, expected {expected}")
    for channel in CHANNELS:
        figures_ = result[channel]
        if figures_["missing"] or figures_["strays"]:
            problems.append(
                f"{channel}: {figures_['missing']} never reached the provider, "
                f"{figures_['strays']} for unknown notifications"
            )
        if figures_["other"]:
            problems.append(f"{channel}: {figures_['other']} sent twice, not across a kill")
        if figures_["across"] > result["bound"]:
            problems.append(
                f"{channel}: {figures_['across']} re-sent across kills, more than the "
                f"{result['bound']} the worker's threads can have had in hand"
            )
    not_sent = {f"{c} {s}": n for (c, s), n in result["deliveries"].items() if s != "sent"}
    if not_sent:
        problems.append(f"deliveries not sent: {not_sent}")
    if set(result["sms_rows"]) - {"sent"} or sum(result["sms_rows"].values()) != expected:
        problems.append(f"SMS outbox rows: {dict(result['sms_rows'])}, expected {expected} sent")
    return problems


def forget_redis(redis_url: str, huey_name: str) -> None:
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"*{huey_name}*", count=1000))
        for first in range(0, len(keys), 1000):
            client.delete(*keys[first : first + 1000])
    finally:
        client.close()


def run(args, environment, sinks: ProviderSinks) -> int:
    import django

    data_dir = Path(environment.variables["DATA_DIR"])
    os.environ.pop("EMAIL_PROVIDER", None)
    os.environ.update(
        sinks.environment(),
        EMBEDDED_WORKER="0",
        TASKS_IMMEDIATE="0",
        TASK_WORKERS=str(args.task_workers),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    queue = "huey SQLite file in DATA_DIR"
    huey_name = ""
    if args.redis_url:
        huey_name = f"benchcrash{uuid.uuid4().hex[:8]}"
        os.environ.update(REDIS_URL=args.redis_url, HUEY_NAME=huey_name, CHANNELS_PREFIX=huey_name)
        queue = f"huey on Redis (queue {huey_name})"
    django.setup()
    from django.core.management import call_command

    total = args.notifications
    print(f"Notification crash benchmark — {environment.description}")
    print(
        f"  {total} notifications ({KIND}: email + SMS) for {args.users} users; {queue}; "
        f"worker: manage.py run_huey, {args.task_workers} threads, kill -9 × {args.kills}; "
        "providers: SMTP sink + Orange SMS API sink on 127.0.0.1"
    )
    call_command("migrate", interactive=False, verbosity=0)
    users = make_users(args.users)
    started = time.perf_counter()
    for index in range(total):
        send_one(users, index, "crash")
    print(f"  queued: {total} × notification_send in {time.perf_counter() - started:.1f} s")

    env = dict(os.environ)
    expected = total * len(CHANNELS)
    kill_points = [int(expected * (k + 1) / (args.kills + 1)) for k in range(args.kills)]
    kills: list[tuple[float, float]] = []
    workers = [TaskWorker(env, data_dir / "worker-1.log")]
    first_started = time.perf_counter()
    try:
        for point in kill_points:
            deadline = time.perf_counter() + PROGRESS_TIMEOUT
            while accepted(sinks) < point:
                workers[-1].check_alive()
                if time.perf_counter() > deadline:
                    raise SystemExit(f"The deliveries did not reach {point} in time.")
                time.sleep(0.02)
            killed = time.monotonic()
            workers[-1].kill()
            at_kill = accepted(sinks)
            workers.append(TaskWorker(env, data_dir / f"worker-{len(workers) + 1}.log"))
            kills.append((killed, time.monotonic()))
            print(f"  kill -9 of the worker after {at_kill} of {expected} provider calls")
        deadline = time.perf_counter() + DRAIN_TIMEOUT
        while time.perf_counter() < deadline:
            workers[-1].check_alive()
            if outstanding() == (0, 0) and accepted(sinks) >= expected:
                break
            time.sleep(POLL)
        finished = time.perf_counter()
    finally:
        for worker in workers:
            worker.stop()
        forget_redis(args.redis_url, huey_name)

    result = figures(sinks, kills, args.task_workers)
    problems = problems_of(result, total)
    print(f"  all delivered {finished - first_started:.1f} s after the first worker started")
    print("  counted at the providers:")
    for channel in CHANNELS:
        f = result[channel]
        print(
            f"    {channel}: {f['accepted']} accepted for {f['distinct']} notifications; "
            f"missing {f['missing']}; sent twice {f['across'] + f['other']} (re-sent across "
            f"a kill: {f['across']}, at most {result['bound']}; otherwise: {f['other']})"
        )
    print(
        f"  outbox: deliveries {dict(sorted(result['deliveries'].items()))}, "
        f"SMS rows {dict(result['sms_rows'])}"
    )
    if problems:
        print("  RULE BROKEN:\n    " + "\n    ".join(problems))
        print("  worker log (tail):\n" + workers[-1].output())
        return 1
    resent = result["email"]["across"] + result["sms"]["across"]
    print(
        f"  rule held: {total} notifications, each accepted once per channel by the providers"
        + (f", apart from {resent} re-sent across a kill (at-least-once)" if resent else "")
    )
    return 0


def main(argv=None) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    args = parse_args(argv if argv is not None else sys.argv[1:])
    sinks = ProviderSinks().start()
    try:
        with throwaway_environment("notifycrash") as environment:
            return run(args, environment, sinks)
    finally:
        sinks.stop()


if __name__ == "__main__":
    sys.exit(main())
