"""Academy MetaTrader sync: an initial upload of ``--trades`` trades through the whole HTTP
stack (``POST /api/v1/academy/mt/sync/``, in batches of ``--batch``, as the Expert
Advisor sends them), the same upload again, and the account's statistics, against a
plain bulk insert of the same rows as the baseline.

    python -m benchmarks.academy_mt_sync [--trades 10000] [--batch 1000] [--seed 19]
                                         [--check]

Runs on a throwaway database (see ``benchmarks``): a temporary SQLite file, or a
dedicated database on the PostgreSQL server of ``DATABASE_URL``. Through Django's test
client (URL routing, middleware, the API key's authentication, the per-account throttle,
validation, JSON) it times:

* **initial upload**: every trade new (one read of the known tickets and one upsert per
  batch);
* **upload again**: the same batches; the issue asks that it changes nothing, which is
  checked (0 created, 0 updated, every row's ``updated_at`` as it was);
* **statistics**: ``GET …/accounts/{id}/stats/`` over every closed trade;
* **baseline**: ``Trade.objects.bulk_create`` of the same rows for another account, no
  HTTP, no validation, no upsert.

Target: initial upload + statistics < 10 s for 10,000 trades (``--check`` exits 1 when
missed).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from . import throwaway_environment

TARGET_S = 10.0
URL = "/api/v1/academy/mt/sync/"
LOGIN = 50123456
SYMBOLS = {"EURUSD": (1.08, 5), "GBPUSD": (1.27, 5), "USDJPY": (149.8, 3), "XAUUSD": (2915.0, 2)}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.academy_mt_sync", description=__doc__
    )
    parser.add_argument("--trades", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000, help="trades per request, ≤ 1000")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    if args.trades < 1 or not 1 <= args.batch <= 1000:
        parser.error("trades >= 1, 1 <= batch <= 1000")
    return args


def make_trades(count: int, rng: random.Random) -> list[dict]:
    """What the Expert Advisor sends: closed trades over the last years, 1 % still open."""
    start = datetime(2022, 1, 3, tzinfo=UTC)
    trades = []
    for index in range(count):
        symbol = rng.choice(list(SYMBOLS))
        base, digits = SYMBOLS[symbol]
        side = rng.choice(("buy", "sell"))
        opened = start + timedelta(minutes=90 * index + rng.randint(0, 60))
        open_price = round(base * rng.uniform(0.97, 1.03), digits)
        risk = round(base * rng.uniform(0.001, 0.004), digits)
        move = round(risk * rng.uniform(-1.0, 2.5), digits)
        sign = 1 if side == "buy" else -1
        is_open = index >= count - max(1, count // 100)
        trades.append(
            {
                "ticket": 80_000_000 + index,
                "symbol": symbol,
                "type": side,
                "lots": rng.choice((0.01, 0.05, 0.1, 0.2, 0.5)),
                "open_time": opened.isoformat().replace("+00:00", "Z"),
                "close_time": None
                if is_open
                else (opened + timedelta(minutes=rng.randint(5, 80)))
                .isoformat()
                .replace("+00:00", "Z"),
                "open_price": open_price,
                "close_price": None if is_open else round(open_price + sign * move, digits),
                "sl": round(open_price - sign * risk, digits) if rng.random() < 0.8 else 0,
                "tp": round(open_price + sign * 2 * risk, digits),
                "commission": -0.7,
                "swap": round(rng.uniform(-2, 0.5), 2),
                "profit": round(move / risk * 10, 2),
                "comment": "",
                "magic": 0,
            }
        )
    return trades


def upload(client, key: str, body: dict) -> dict:
    response = client.post(URL, body, content_type="application/json", HTTP_X_API_KEY=key)
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
    return response.json()


def run(args, environment) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Max
    from django.test import Client

    from teranga.platform.accounts.models import User
    from teranga.products.academy.models import Trade, TradingAccount
    from teranga.products.academy.services.mt import (
        _fingerprint,
        _normalised,
        account_key_create,
        trading_account_create,
    )

    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["academy_mt_sync"] = "100000000/min"
    print(f"Academy MetaTrader sync benchmark — {environment.description}")
    print(f"  machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 - test data, not secrets
    trades = make_trades(args.trades, rng)
    member = User.objects.create_user(email="trader@bench.test", password=None)
    account = trading_account_create(user=member, name="Bench", login=LOGIN, server="Bench-Demo")
    _key, raw_key = account_key_create(account=account)
    info = {"login": LOGIN, "server": "Bench-Demo", "currency": "USD", "balance": 10000}
    batches = [
        {"account": info, "trades": trades[i : i + args.batch]}
        for i in range(0, len(trades), args.batch)
    ]
    client = Client()
    from .smartqueue_people import token_for

    member_auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(member)}"}

    # Initial upload.
    started = time.perf_counter()
    created = sum(upload(client, raw_key, body)["created"] for body in batches)
    initial_s = time.perf_counter() - started
    if created != args.trades or Trade.objects.filter(account=account).count() != args.trades:
        raise SystemExit(f"expected {args.trades} new trades, got {created}")
    stamp = Trade.objects.filter(account=account).aggregate(last=Max("updated_at"))["last"]

    # The same upload again: nothing may change.
    started = time.perf_counter()
    answers = [upload(client, raw_key, body) for body in batches]
    again_s = time.perf_counter() - started
    changed = sum(a["created"] + a["updated"] for a in answers)
    after = Trade.objects.filter(account=account).aggregate(last=Max("updated_at"))["last"]
    if changed or after != stamp or Trade.objects.count() != args.trades:
        raise SystemExit(f"the second upload changed {changed} trades")

    # Statistics (through the API, signed in as the member).
    stats_url = f"/api/v1/academy/mt/accounts/{account.pk}/stats/"
    started = time.perf_counter()
    response = client.get(stats_url, **member_auth)
    stats_s = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"stats {response.status_code}: {response.content[:300]!r}")
    stats = response.json()

    # Baseline: a plain bulk insert of the same rows (another account).
    other = TradingAccount.objects.create(user=member, name="Baseline", login=LOGIN + 1)
    started = time.perf_counter()
    rows = []
    for trade in trades:
        values = {name: value for name, value in trade.items() if name != "type"}
        values = _normalised(values | {"side": trade["type"]})
        rows.append(Trade(account=other, digest=_fingerprint(values), **values))
    Trade.objects.bulk_create(rows, batch_size=500)
    baseline_s = time.perf_counter() - started

    total = initial_s + stats_s
    met = total < TARGET_S
    print(f"  {'':34} {'seconds':>9} {'trades/s':>10}")
    for name, seconds in (
        (f"initial upload ({len(batches)} requests)", initial_s),
        ("upload again (nothing changes)", again_s),
        ("statistics", stats_s),
        ("baseline: plain bulk insert", baseline_s),
    ):
        print(f"  {name:34} {seconds:9.2f} {args.trades / seconds:10,.0f}")
    print(
        f"  {stats['closed_trades']:,} closed trades: net {stats['net_profit']}, win rate "
        f"{stats['win_rate']}, profit factor {stats['profit_factor']}, SQN {stats['sqn']}"
    )
    print(
        f"  initial upload / baseline: {initial_s / baseline_s:.1f}×; upload + statistics "
        f"{total:.2f} s (target < {TARGET_S:.0f} s: {'MET' if met else 'MISSED'})"
    )
    return 1 if args.check and not met else 0


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    with throwaway_environment("academy_mt_sync") as environment:
        return run(args, environment)


if __name__ == "__main__":
    sys.exit(main())
