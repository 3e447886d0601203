"""Reads of the MetaTrader section: a member's trading accounts, their keys and trades,
and each account's trading statistics.

A trading account is its member's alone: anyone else (another member, the academy's
staff) gets 404 ``mt_account_not_found``.

**Statistics** (:func:`account_stats`) read the account's closed trades once, in closing
order (``close_time``, then ``ticket``), as plain tuples (``values_list``), and compute
everything in one pass. The definitions (also in the API's documentation):

* a trade's **result** is ``profit + commission + swap`` (account currency); a **win**
  has a result > 0, a **loss** < 0, a **break-even** exactly 0;
* **win rate** = wins ÷ closed trades; **win rate without break-evens** = wins ÷ (wins +
  losses);
* **profit factor** = gross profit (sum of wins) ÷ gross loss (absolute sum of losses);
  null without losses;
* **expectancy** = net result ÷ closed trades (the average result of a trade);
* **R multiple** of a trade whose initial stop-loss is known and on the losing side of
  the entry: the price move in the trade's favour ÷ the initial risk distance, i.e.
  ``(close − open) ÷ (open − initial SL)`` for a buy and ``(open − close) ÷ (initial SL −
  open)`` for a sell (−1 is a full stop-out); **average R** is their mean, over
  ``r_trades`` trades;
* **max drawdown** = the largest fall of the cumulative result below its running peak
  (the peak starts at 0, before the first trade), in money;
* **SQN** (System Quality Number, Van Tharp) = √N × mean result ÷ standard deviation of
  the results (sample, N − 1), over the N closed trades; null under 2 trades or without
  dispersion;
* **streaks**: the longest run of consecutive wins, and of losses (a break-even ends
  both);
* **equity curve**: the cumulative result after each closed trade (at most
  :data:`CURVE_MAX_POINTS` points: beyond, evenly spaced ones, the last always kept);
* **per instrument** and **per month** (UTC month of the closing time): trades, wins,
  losses, win rate and net result.
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid

from .errors import AcademyError
from .models import Trade, TradeSide, TradingAccount, TradingAccountKey

CURVE_MAX_POINTS = 1000
ZERO = Decimal("0")
RATIO_DIGITS = 4


def _account_missing() -> NotFound:
    return NotFound(_("No such trading account."), code=AcademyError.MT_ACCOUNT_NOT_FOUND)


def member_accounts(*, user) -> QuerySet[TradingAccount]:
    return TradingAccount.objects.filter(user=user).order_by("-created_at", "id")


def account_get(*, user, account_id) -> TradingAccount:
    """``user``'s trading account, else 404 ``mt_account_not_found``."""
    key = parse_uuid(account_id)
    if key is None or not user.is_authenticated:
        raise _account_missing()
    account = TradingAccount.objects.filter(pk=key, user=user).first()
    if account is None:
        raise _account_missing()
    return account


def account_keys(*, account: TradingAccount) -> QuerySet[TradingAccountKey]:
    return TradingAccountKey.objects.filter(account=account).order_by("-created_at", "id")


def account_trades(*, account: TradingAccount) -> QuerySet[Trade]:
    return Trade.objects.filter(account=account).order_by("-open_time", "-ticket")


def _ratio(numerator, denominator) -> float | None:
    if not denominator:
        return None
    return round(float(numerator) / float(denominator), RATIO_DIGITS)


def _bucket() -> dict[str, Any]:
    return {"trades": 0, "wins": 0, "losses": 0, "net": ZERO}


def _bucket_out(key_name: str, key: str, bucket: dict[str, Any]) -> dict[str, Any]:
    return {
        key_name: key,
        "trades": bucket["trades"],
        "wins": bucket["wins"],
        "losses": bucket["losses"],
        "win_rate": _ratio(bucket["wins"], bucket["trades"]),
        "net_profit": bucket["net"],
    }


def _curve(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(points) <= CURVE_MAX_POINTS:
        return points
    step = len(points) / CURVE_MAX_POINTS
    kept = [points[min(len(points) - 1, int(i * step))] for i in range(CURVE_MAX_POINTS - 1)]
    return [*kept, points[-1]]


def _r_multiple(side, open_price, close_price, initial_sl) -> float | None:
    if initial_sl is None or close_price is None:
        return None
    if side == TradeSide.BUY:
        risk, move = open_price - initial_sl, close_price - open_price
    else:
        risk, move = initial_sl - open_price, open_price - close_price
    if risk <= 0:
        return None
    return float(move / risk)


def account_stats(*, account: TradingAccount) -> dict[str, Any]:
    """The statistics of ``account`` (see the module's definitions): two queries."""
    rows = (
        Trade.objects.filter(account=account, close_time__isnull=False)
        .order_by("close_time", "ticket")
        .values_list(
            "ticket",
            "symbol",
            "side",
            "open_price",
            "close_price",
            "initial_sl",
            "profit",
            "commission",
            "swap",
            "close_time",
        )
    )
    open_trades = Trade.objects.filter(account=account, close_time__isnull=True).count()

    n = wins = losses = break_evens = 0
    gross_profit = gross_loss = net = peak = max_drawdown = ZERO
    largest_win = largest_loss = None
    streak_wins = streak_losses = longest_wins = longest_losses = 0
    sum_sq = 0.0
    r_sum, r_count = 0.0, 0
    curve: list[dict[str, Any]] = []
    symbols: dict[str, dict[str, Any]] = defaultdict(_bucket)
    months: dict[str, dict[str, Any]] = defaultdict(_bucket)

    for ticket, symbol, side, open_p, close_p, initial_sl, profit, commission, swap, closed in rows:
        result = profit + commission + swap
        n += 1
        net += result
        sum_sq += float(result) ** 2
        by_symbol, by_month = symbols[symbol], months[closed.strftime("%Y-%m")]
        for bucket in (by_symbol, by_month):
            bucket["trades"] += 1
            bucket["net"] += result
        if result > 0:
            wins += 1
            gross_profit += result
            streak_wins, streak_losses = streak_wins + 1, 0
            longest_wins = max(longest_wins, streak_wins)
            largest_win = result if largest_win is None else max(largest_win, result)
            by_symbol["wins"] += 1
            by_month["wins"] += 1
        elif result < 0:
            losses += 1
            gross_loss -= result
            streak_wins, streak_losses = 0, streak_losses + 1
            longest_losses = max(longest_losses, streak_losses)
            largest_loss = result if largest_loss is None else min(largest_loss, result)
            by_symbol["losses"] += 1
            by_month["losses"] += 1
        else:
            break_evens += 1
            streak_wins = streak_losses = 0
        peak = max(peak, net)
        max_drawdown = max(max_drawdown, peak - net)
        r = _r_multiple(side, open_p, close_p, initial_sl)
        if r is not None:
            r_sum += r
            r_count += 1
        curve.append({"time": closed, "ticket": ticket, "equity": net})

    sqn = None
    if n >= 2:
        mean = float(net) / n
        variance = (sum_sq - n * mean * mean) / (n - 1)
        if variance > 1e-18:
            sqn = round(math.sqrt(n) * mean / math.sqrt(variance), RATIO_DIGITS)

    return {
        "account": account,
        "closed_trades": n,
        "open_trades": open_trades,
        "wins": wins,
        "losses": losses,
        "break_evens": break_evens,
        "win_rate": _ratio(wins, n),
        "win_rate_excluding_break_evens": _ratio(wins, wins + losses),
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "net_profit": net,
        "profit_factor": _ratio(gross_profit, gross_loss),
        "expectancy": (net / n).quantize(Decimal("0.01")) if n else None,
        "average_win": (gross_profit / wins).quantize(Decimal("0.01")) if wins else None,
        "average_loss": (-gross_loss / losses).quantize(Decimal("0.01")) if losses else None,
        "largest_win": largest_win,
        "largest_loss": largest_loss,
        "average_r": round(r_sum / r_count, RATIO_DIGITS) if r_count else None,
        "r_trades": r_count,
        "max_drawdown": max_drawdown,
        "sqn": sqn,
        "longest_win_streak": longest_wins,
        "longest_loss_streak": longest_losses,
        "equity_curve": _curve(curve),
        "by_instrument": [_bucket_out("symbol", k, v) for k, v in sorted(symbols.items())],
        "by_month": [_bucket_out("month", k, v) for k, v in sorted(months.items())],
    }
