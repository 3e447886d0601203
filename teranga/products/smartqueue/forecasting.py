"""The arrivals forecast: a seasonal model of tickets per local day and hour, in plain
Python (numpy is not installed, and the data of one branch and service is a few
thousand numbers).

The model, for one branch and service, learnt from its last :data:`WINDOW_WEEKS` weeks:

* **Day level** per weekday: an exponentially weighted mean of that weekday's daily
  totals, the most recent week weighing 1, the one before :data:`DECAY`, then
  ``DECAY**2``… (effective memory ≈ 1 / (1 − DECAY) ≈ 3.3 weeks: recent enough to follow a
  drift in demand, long enough to average the day-to-day noise out). It is trend-free
  smoothing; a separate, damped **trend** (below) carries the level forward.
* **Hourly profile** per weekday: the share of the day's tickets that came in each hour,
  pooled over the whole window (shares move slowly; pooling 8 weeks makes a cell's share
  rest on hundreds of tickets instead of the handful of one hour of one day).
* **Trend**: the weekly growth rate fitted by least squares on the logarithm of each
  week's index (its days' totals over their weekday's level), clamped to ±10 % a week
  and damped by :data:`TREND_DAMPING`; the level is moved by it from the weighted centre
  of the days it was measured on to the day forecast.
* **Public holidays and closures**: a day the branch is closed (a closure, or a public
  holiday of the organisation's country unless it opted out of them) is forecast 0 and
  is left out of the learning, as is the first open day after a closure, whose demand
  carries the closed day's over (:data:`REBOUND` learns by how much, from the history's
  own such days, shrunk towards 1 when there are few). A holiday the organisation opens
  on is scaled by the learnt holiday factor (default :data:`DEFAULT_HOLIDAY_FACTOR`).
* Only hours inside the branch's (or the service's) opening hours get a forecast.

**Interval**: a 90 % prediction interval, the 5 % and 95 % quantiles of a negative
binomial with the forecast as its mean and variance ``φ·mean``. Counts of arrivals are
Poisson-like (φ = 1) but busier and quieter days than the model knows about (the month's
end, the weather) spread them more; φ is measured on the model's own one-week-ahead
errors on the last :data:`BACKTEST_WEEKS` weeks of the history (Pearson's dispersion
``Σ (y − μ)² / μ / n``, at least 1), so the band is as wide as the model's real errors,
not as a textbook Poisson's. The benchmark ``benchmarks.smartqueue_forecast`` checks
its coverage and the forecast's MAPE against the naive "same hour last week".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist

WINDOW_WEEKS = 8
DECAY = 0.7
TREND_DAMPING = 0.5
MAX_WEEKLY_GROWTH = 0.10
BACKTEST_WEEKS = 3
DEFAULT_DISPERSION = 1.5
DEFAULT_HOLIDAY_FACTOR = 0.6
#: Pseudo-observations at 1.0 that the learnt rebound and holiday factors are shrunk with.
SHRINK = 2.0
#: The interval's tails (a 90 % interval).
LOW_Q, HIGH_Q = 0.05, 0.95
HOURS = range(24)


@dataclass
class DayHistory:
    """One past local day of one branch and service: tickets per local hour (24
    numbers), whether it was open, and whether it was a public holiday."""

    day: date
    counts: list[int]
    is_open: bool = True
    is_holiday: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class DayPlan:
    """A day to forecast: its open local hours (empty: closed) and whether it is a
    public holiday the organisation opens on."""

    day: date
    open_hours: frozenset[int]
    is_holiday: bool = False


@dataclass
class HourForecast:
    day: date
    hour: int
    expected: float
    low: int
    high: int


@dataclass
class SeasonalModel:
    level: dict[int, float] = field(default_factory=dict)  # weekday -> day total
    centre: dict[int, float] = field(default_factory=dict)  # weekday -> ordinal of the centre
    share: dict[int, list[float]] = field(default_factory=dict)  # weekday -> 24 shares
    growth: float = 0.0  # per week, damped
    rebound: float = 1.0
    holiday_factor: float = DEFAULT_HOLIDAY_FACTOR
    dispersion: float = DEFAULT_DISPERSION

    def expected(self, plan: DayPlan, *, after_closure: bool) -> list[float]:
        """The expected tickets of each hour of ``plan``'s day (0 when closed)."""
        weekday = plan.day.weekday()
        if not plan.open_hours or weekday not in self.level:
            return [0.0] * 24
        weeks = (plan.day.toordinal() - self.centre[weekday]) / 7
        total = self.level[weekday] * math.exp(self.growth * weeks)
        if after_closure:
            total *= self.rebound
        if plan.is_holiday:
            total *= self.holiday_factor
        shares = self.share[weekday]
        return [total * shares[h] if h in plan.open_hours else 0.0 for h in HOURS]


def _normal_days(days: list[DayHistory]) -> list[DayHistory]:
    """Open, not a holiday, and not the first open day after a closure."""
    after = _after_closure(days)
    return [d for d in days if d.is_open and not d.is_holiday and d.day not in after]


def _after_closure(days: list[DayHistory]) -> set[date]:
    """Open days that follow a closed weekday (Sundays closed every week do not count:
    only a day that is usually open and was closed)."""
    usual_open = {d.day.weekday() for d in days if d.is_open}
    found, closed_before = set(), False
    for day in days:
        if day.is_open:
            if closed_before:
                found.add(day.day)
            closed_before = False
        elif day.day.weekday() in usual_open:
            closed_before = True
    return found


def fit(days: list[DayHistory], *, backtest: bool = True) -> SeasonalModel:
    """Learn the model from ``days`` (consecutive local days, oldest first)."""
    model = SeasonalModel()
    if not days:
        return model
    last = days[-1].day
    first_kept = last - timedelta(weeks=WINDOW_WEEKS) + timedelta(days=1)
    window = [d for d in days if d.day >= first_kept]
    normal = _normal_days(window)
    by_weekday: dict[int, list[DayHistory]] = {}
    for day in normal:
        by_weekday.setdefault(day.day.weekday(), []).append(day)
    for weekday, rows in by_weekday.items():
        weights = [DECAY ** ((last - row.day).days // 7) for row in rows]
        total_weight = sum(weights)
        weighted = list(zip(weights, rows, strict=True))
        model.level[weekday] = sum(w * r.total for w, r in weighted) / total_weight
        model.centre[weekday] = sum(w * r.day.toordinal() for w, r in weighted) / total_weight
        pooled = [sum(r.counts[h] for r in rows) for h in HOURS]
        whole = sum(pooled)
        model.share[weekday] = [c / whole if whole else 0.0 for c in pooled]
    model.growth = _growth(normal, model)
    model.rebound = _factor(window, _after_closure(window), model)
    holidays_open = {d.day for d in window if d.is_holiday and d.is_open}
    model.holiday_factor = _factor(window, holidays_open, model, prior=DEFAULT_HOLIDAY_FACTOR)
    if backtest:
        model.dispersion = _dispersion(days)
    return model


def _growth(normal: list[DayHistory], model: SeasonalModel) -> float:
    """The damped weekly growth: least squares on log(week index)."""
    if not normal:
        return 0.0
    last = normal[-1].day
    weeks: dict[int, list[float]] = {}
    for day in normal:
        level = model.level.get(day.day.weekday())
        if level and day.total:
            weeks.setdefault((last - day.day).days // 7, []).append(day.total / level)
    points = [(-k, math.log(sum(v) / len(v))) for k, v in weeks.items() if len(v) >= 3]
    if len(points) < 3:
        return 0.0
    mean_x = sum(x for x, _y in points) / len(points)
    mean_y = sum(y for _x, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    slope = max(-MAX_WEEKLY_GROWTH, min(MAX_WEEKLY_GROWTH, slope))
    return slope * TREND_DAMPING


def _factor(window, chosen: set[date], model: SeasonalModel, *, prior: float = 1.0) -> float:
    """Actual over expected on the ``chosen`` days, shrunk towards ``prior``."""
    actual = expected = 0.0
    for day in window:
        if day.day not in chosen:
            continue
        plan = DayPlan(day.day, frozenset(h for h in HOURS if model.share.get(day.day.weekday())))
        values = model.expected(plan, after_closure=False)
        actual += day.total
        expected += sum(values)
    if expected <= 0:
        return prior
    mean_day = expected / max(1, len(chosen))
    return (actual + SHRINK * mean_day * prior) / (expected + SHRINK * mean_day)


def _dispersion(days: list[DayHistory]) -> float:
    """Pearson's dispersion of the model's one-week-ahead errors on the last
    :data:`BACKTEST_WEEKS` weeks (each week predicted by a model fit on the days before)."""
    total, cells = 0.0, 0
    for k in range(BACKTEST_WEEKS, 0, -1):
        cut = len(days) - 7 * k
        if cut < 14:
            continue
        model = fit(days[:cut], backtest=False)
        after = _after_closure(days[: cut + 7])
        for day in days[cut : cut + 7]:
            if not day.is_open:
                continue
            plan = DayPlan(day.day, frozenset(HOURS), is_holiday=day.is_holiday)
            for hour, mu in enumerate(model.expected(plan, after_closure=day.day in after)):
                if mu > 0.5:
                    total += (day.counts[hour] - mu) ** 2 / mu
                    cells += 1
    if cells < 20:
        return DEFAULT_DISPERSION
    return max(1.0, total / cells)


# --- The interval ----------------------------------------------------------------------


def count_quantiles(mean: float, dispersion: float, qs: Iterable[float]) -> list[int]:
    """Quantiles of a count with ``mean`` and variance ``dispersion × mean``: a negative
    binomial (a Poisson when the dispersion is 1), by summing its probabilities (the
    mean of an hour is small); a normal approximation above 300."""
    qs = list(qs)
    if mean <= 0:
        return [0 for _q in qs]
    if mean > 300:
        sd = math.sqrt(dispersion * mean)
        return [max(0, round(mean + _z(q) * sd)) for q in qs]
    if dispersion <= 1.0001:
        probability = math.exp(-mean)

        def step(k: int, p: float) -> float:
            return p * mean / (k + 1)
    else:
        success = 1 / dispersion
        r = mean / (dispersion - 1)
        probability = math.exp(r * math.log(success))

        def step(k: int, p: float) -> float:
            return p * (k + r) / (k + 1) * (1 - success)

    return _walk(probability, step, qs, limit=int(mean * 20 + 100))


def _walk(probability: float, step: Callable[[int, float], float], qs, *, limit: int):
    """The smallest k whose cumulative probability reaches each q (walking up once)."""
    cumulative, k = probability, 0
    answers = [0] * len(qs)
    for index in sorted(range(len(qs)), key=lambda i: qs[i]):
        while cumulative < qs[index] and k < limit:
            probability = step(k, probability)
            k += 1
            cumulative += probability
        answers[index] = k
    return answers


def _z(q: float) -> float:
    """The standard normal quantile."""
    return NormalDist().inv_cdf(q)


def forecast(days: list[DayHistory], plans: list[DayPlan]) -> list[HourForecast]:
    """Fit on ``days`` and forecast every open hour of ``plans`` (consecutive days
    following the history)."""
    model = fit(days)
    results: list[HourForecast] = []
    previous_open = days[-1].is_open if days else True
    usual_open = {d.day.weekday() for d in days if d.is_open}
    closed_before = not previous_open and days[-1].day.weekday() in usual_open if days else False
    for plan in plans:
        is_open = bool(plan.open_hours)
        values = model.expected(plan, after_closure=is_open and closed_before)
        for hour in sorted(plan.open_hours):
            mean = values[hour]
            low, high = count_quantiles(mean, model.dispersion, (LOW_Q, HIGH_Q))
            results.append(HourForecast(plan.day, hour, round(mean, 2), low, high))
        if is_open:
            closed_before = False
        elif plan.day.weekday() in usual_open:
            closed_before = True
    return results


def mape(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean absolute percentage error over the (actual, predicted) pairs whose actual is
    not 0, in percent."""
    errors = [abs(actual - predicted) / actual for actual, predicted in pairs if actual > 0]
    return 100 * sum(errors) / len(errors) if errors else None
