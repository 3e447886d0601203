"""The forecast model and Erlang C, without the database: the seasonal model learns the
weekly and daily pattern, closes holidays and scales the day after, its 90 % interval
covers about 90 % of held-out hours, and it beats "same hour last week"; Erlang C gives
the published values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from teranga.platform.scheduling.availability import public_holidays
from teranga.products.smartqueue.forecasting import (
    DayHistory,
    DayPlan,
    count_quantiles,
    fit,
    forecast,
    mape,
)
from teranga.products.smartqueue.history import Demand, hourly_arrivals
from teranga.products.smartqueue.staffing import (
    counters_needed,
    erlang_b,
    erlang_c,
    staffing_for,
)

END = date(2026, 6, 7)  # a Sunday: 12 weeks back reach into March
WEEKS = 12


def world(per_day=80, seed=1):
    first = END - timedelta(weeks=WEEKS) + timedelta(days=1)
    holidays = set(public_holidays("SN", first, END))
    demand = Demand(per_day=per_day, start=first)
    counts = hourly_arrivals(demand, first, END, closed=holidays.__contains__, seed=seed)
    days = []
    for offset in range((END - first).days + 1):
        day = first + timedelta(days=offset)
        hours = demand.hours.get(day.weekday(), {})
        is_open = bool(hours) and day not in holidays and demand.weekday_factors[day.weekday()] > 0
        days.append(DayHistory(day, [counts[day].get(h, 0) for h in range(24)], is_open=is_open))
    return demand, counts, days, holidays


def plans_for(demand, days):
    return [
        DayPlan(
            d.day, frozenset(demand.hours.get(d.day.weekday(), {})) if d.is_open else frozenset()
        )
        for d in days
    ]


def test_the_weekly_and_daily_pattern_is_learnt():
    _demand, _counts, days, _holidays = world()
    model = fit(days)
    # Monday (×1.3) busier than Wednesday (×0.95); Sunday never open, never learnt.
    assert model.level[0] > model.level[2] * 1.15
    assert 6 not in model.level
    shares = model.share[1]
    assert max(range(24), key=shares.__getitem__) in (9, 10)  # the morning rush
    assert shares[13] == 0 and shares[7] == 0  # the break, before opening
    assert abs(sum(shares) - 1) < 1e-9
    assert 0 < model.growth < 0.02  # the generated 1 % a week, damped
    assert model.dispersion >= 1


def test_holidays_are_closed_and_the_next_day_catches_up():
    _demand, _counts, days, holidays = world()
    model = fit(days)
    assert model.rebound > 1.05  # learnt from the history's days after a holiday
    # Forecast the week of Whit Monday (25 May) and Tabaski (27 May) from before it.
    cut = next(i for i, d in enumerate(days) if d.day == date(2026, 5, 25))
    history, coming = days[:cut], days[cut : cut + 7]
    results = forecast(history, plans_for(_demand, coming))
    by_day: dict = {}
    for hour in results:
        by_day[hour.day] = by_day.get(hour.day, 0) + hour.expected
    assert date(2026, 5, 25) not in by_day and date(2026, 5, 27) not in by_day
    # Tuesday after the closed Monday is forecast above an ordinary Tuesday's level.
    assert by_day[date(2026, 5, 26)] > fit(history).level[1] * 1.05
    # …and so is Thursday after the closed Wednesday.
    assert by_day[date(2026, 5, 28)] > fit(history).level[3] * 1.05


def test_only_open_hours_are_forecast():
    demand, _counts, days, _holidays = world()
    plans = [DayPlan(date(2026, 6, 8), frozenset({9, 10, 11}))]
    results = forecast(days, plans)
    assert [r.hour for r in results] == [9, 10, 11]
    assert all(r.low <= r.expected <= r.high for r in results)
    assert forecast(days, [DayPlan(date(2026, 6, 14), frozenset())]) == []


@pytest.mark.parametrize("per_day, seed", [(120, 1), (40, 2), (15, 3)])
def test_held_out_weeks_the_model_beats_last_week_and_the_interval_covers(per_day, seed):
    demand, counts, days, _holidays = world(per_day, seed)
    model_pairs, naive_pairs, covered, hours = [], [], 0, 0
    for k in range(4, 0, -1):  # the last four weeks, each forecast from the days before
        cut = len(days) - 7 * k
        for r in forecast(days[:cut], plans_for(demand, days[cut : cut + 7])):
            actual = counts[r.day].get(r.hour, 0)
            model_pairs.append((actual, r.expected))
            naive_pairs.append((actual, counts[r.day - timedelta(days=7)].get(r.hour, 0)))
            covered += r.low <= actual <= r.high
            hours += 1
    assert mape(model_pairs) < mape(naive_pairs) * 0.85
    assert 0.8 <= covered / hours <= 0.99


def test_count_quantiles():
    assert count_quantiles(4, 1, (0.05, 0.95)) == [1, 8]  # Poisson(4)
    low, high = count_quantiles(4, 2.5, (0.05, 0.95))
    assert low == 0 and high > 8  # overdispersed: wider
    assert count_quantiles(0, 1.5, (0.05, 0.95)) == [0, 0]
    low, high = count_quantiles(1000, 1, (0.05, 0.95))
    assert 940 < low < 960 and 1040 < high < 1060


def test_erlang_c_published_values():
    # A = 2 erlangs on 3 servers: C = 4/9 exactly.
    assert erlang_c(3, 2) == pytest.approx(4 / 9)
    assert erlang_b(3, 2) == pytest.approx(4 / 19)
    # The textbook call-centre example: 200 calls an hour, 180 s handling (A = 10),
    # a 20-second target. 14 agents: P(wait) 17.4 %, service level 88.9 %, mean wait
    # 7.8 s; 12 agents: P(wait) 44.9 %.
    fourteen = staffing_for(14, arrivals_per_hour=200, service_seconds=180, target_seconds=20)
    assert fourteen.wait_probability == pytest.approx(0.1741, abs=5e-4)
    assert fourteen.service_level == pytest.approx(0.8884, abs=5e-4)
    assert fourteen.expected_wait_seconds == pytest.approx(7.84, abs=0.01)
    assert erlang_c(12, 10) == pytest.approx(0.4494, abs=5e-4)
    assert erlang_c(11, 10) == pytest.approx(0.6821, abs=5e-4)
    # Stable for a large traffic (no factorial overflows).
    assert 0 < erlang_c(500, 480) < 1


def test_counters_needed_and_one_fewer():
    advice = counters_needed(
        arrivals_per_hour=200, service_seconds=180, target_seconds=20, service_level=0.8
    )
    # The textbook's answer for 80 % within 20 s: 14 agents (13 give 79.6 %).
    assert advice.counters == 14 and advice.service_level >= 0.8
    fewer = staffing_for(13, arrivals_per_hour=200, service_seconds=180, target_seconds=20)
    assert fewer.service_level == pytest.approx(0.7956, abs=5e-4)
    # As many counters as the traffic: the line grows without end.
    unstable = staffing_for(10, arrivals_per_hour=200, service_seconds=180, target_seconds=20)
    assert unstable.expected_wait_seconds is None and unstable.service_level == 0
    nobody = counters_needed(
        arrivals_per_hour=0, service_seconds=180, target_seconds=900, service_level=0.8
    )
    assert nobody.counters == 0
