"""Forecasts and staffing over HTTP and through the job: the history aggregated in the
database, the forecast stored for the open hours only (holidays closed), the nightly job
and the manager's recompute, the staffing advice from the stored forecast and the
organisation's target, every endpoint's 400 / 403 / 404, and a query count that does
not grow with the number of series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.products.smartqueue.models import ArrivalForecast, StaffingTarget
from teranga.products.smartqueue.product import product
from teranga.products.smartqueue.selectors.days import local_day
from teranga.products.smartqueue.services.forecast import (
    forecasts_compute,
    forecasts_compute_all,
)
from teranga.products.smartqueue.tests.factories import QueueFactory, QueueServiceFactory

from .forecast_world import open_branch, seed_history
from .test_stats_api import assert_error

BASE = "/api/v1/smartqueue"
FORECAST, STAFFING = f"{BASE}/forecast/", f"{BASE}/staffing/"
RECOMPUTE, TARGET = f"{BASE}/forecast/recompute/", f"{BASE}/staffing/target/"


@pytest.fixture
def forecast_bank(bank):
    """The bank with opening hours and eight weeks of history at its branch, its
    forecast computed now."""
    open_branch(bank.branch)
    bank.counts = seed_history(bank.normal, today=local_day(bank.org))
    bank.result = forecasts_compute(organization=bank.org)
    return bank


def params(bank, **more):
    return {"organization": str(bank.org.pk), **more}


def test_history_is_learnt_and_only_open_hours_are_forecast(bank):
    """A fixed day: Wednesday 20 May 2026, so that Whit Monday (25th) and Tabaski
    (27th) fall in the 14 days forecast."""
    open_branch(bank.branch)
    today = date(2026, 5, 20)
    seed_history(bank.normal, today=today, per_day=80)
    now = datetime(2026, 5, 20, 1, 0, tzinfo=UTC)
    result = forecasts_compute(organization=bank.org, now=now)
    rows = list(ArrivalForecast.objects.filter(organization=bank.org))
    assert result["hours"] == len(rows) > 0 and result["series"] == 1
    zone = ZoneInfo(bank.org.time_zone)
    local = [(r.hour_start.astimezone(zone), r) for r in rows]
    days = {moment.date() for moment, _r in local}
    assert min(days) == today and max(days) <= today + timedelta(days=13)
    assert date(2026, 5, 25) not in days and date(2026, 5, 27) not in days  # holidays
    assert not any(moment.weekday() == 6 for moment, _r in local)  # Sundays closed
    assert {moment.hour for moment, _r in local} <= {8, 9, 10, 11, 12, 14, 15, 16}
    assert all(r.low <= r.expected <= r.high for _m, r in local)

    def total(day):
        return sum(r.expected for moment, r in local if moment.date() == day)

    # Monday busier than Wednesday; the Tuesday after Whit Monday above the next Tuesday.
    assert total(date(2026, 6, 1)) > total(date(2026, 5, 20))
    assert total(date(2026, 5, 26)) > total(date(2026, 6, 2)) * 1.05
    by_hour = {}
    for moment, r in local:
        if moment.date() == date(2026, 6, 2):
            by_hour[moment.hour] = r.expected
    assert by_hour[10] > by_hour[8]  # the morning rush
    # A second run replaces the rows (same count, newer computed_at).
    later = now + timedelta(hours=1)
    assert forecasts_compute(organization=bank.org, now=later)["hours"] == len(rows)
    assert set(ArrivalForecast.objects.values_list("computed_at", flat=True)) == {later}


def test_get_forecast(forecast_bank):
    bank = forecast_bank
    today = local_day(bank.org)
    response = bank.api["manager"].get(FORECAST, params(bank, days=14))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date_from"] == str(today)
    assert body["date_to"] == str(today + timedelta(days=13))
    assert body["computed_at"] is not None
    [series] = body["series"]
    assert series["branch"] == {"id": str(bank.branch.pk), "name": bank.branch.name}
    assert series["service"]["id"] == str(bank.service.pk)
    points = series["points"]
    assert len(points) == bank.result["hours"]
    assert set(points[0]) == {"hour_start", "expected", "low", "high"}
    assert sum(p["expected"] for p in points) > 0
    # Narrowed: one day, the branch; another service: nothing.
    one = bank.api["manager"].get(FORECAST, params(bank, days=1, branch=str(bank.branch.pk)))
    assert 0 < len(one.json()["series"][0]["points"]) <= 9 or one.json()["series"] == []
    none = bank.api["manager"].get(FORECAST, params(bank, service=str(bank.other_queue.service_id)))
    assert none.json()["series"] == []
    later = bank.api["manager"].get(
        FORECAST, params(bank, **{"from": str(today + timedelta(days=20))})
    )
    assert later.json()["series"] == []


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"days": 15}, "days"),
        ({"days": 0}, "days"),
        ({"from": "demain"}, "from"),
        ({"branch": "nope"}, "branch"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_forecast_bad_input(bank, extra, field):
    error = assert_error(bank.api["manager"].get(FORECAST, params(bank, **extra)), 400)
    assert field in error["fields"], error


def test_forecast_permissions(bank, api):
    for name in ("agent1", "plain"):
        assert_error(bank.api[name].get(FORECAST, params(bank)), 403, "permission_denied")
    for name in ("alice", "other_owner"):
        assert_error(bank.api[name].get(FORECAST, params(bank)), 404, "organization_not_found")
    assert_error(api.get(FORECAST, params(bank)), 401)
    assert bank.api["staff"].get(FORECAST, params(bank)).status_code == 200
    assert_error(bank.api["manager"].get(FORECAST, {}), 400)


def test_forecast_queries_do_not_grow_with_the_series(bank):
    open_branch(bank.branch)
    today = local_day(bank.org)
    seed_history(bank.normal, today=today, weeks=3, per_day=30)
    forecasts_compute(organization=bank.org)
    client = bank.api["manager"]
    client.get(FORECAST, params(bank))  # warm (the user's session, throttles)
    with CaptureQueriesContext(connection) as one:
        assert client.get(FORECAST, params(bank)).status_code == 200
    for n in range(3):  # three more services with a queue and history
        service = QueueServiceFactory(organization=bank.org, name=f"Service {n}")
        queue = QueueFactory(
            organization=bank.org, branch=bank.branch, service=service, prefix=f"Q{'XYZ'[n]}"
        )
        seed_history(queue, today=today, weeks=3, per_day=20, seed=n)
    forecasts_compute(organization=bank.org)
    with CaptureQueriesContext(connection) as four:
        response = client.get(FORECAST, params(bank))
    assert len(response.json()["series"]) == 4
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]


def test_staffing_advice(forecast_bank):
    bank = forecast_bank
    today = local_day(bank.org)
    # The first coming day with open hours.
    day = next(
        today + timedelta(days=n)
        for n in range(14)
        if (today + timedelta(days=n)).weekday() < 5
        and ArrivalForecast.objects.filter(
            hour_start__date=today + timedelta(days=n), branch=bank.branch
        ).exists()
    )
    query = params(bank, branch=str(bank.branch.pk), date=str(day))
    response = bank.api["manager"].get(STAFFING, query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["target"] == {"wait_minutes": 15, "service_level": 80}
    assert body["counters_available"] == 2
    assert body["branch"]["id"] == str(bank.branch.pk)
    hours = body["hours"]
    assert hours and all(h["counters"] >= 1 for h in hours if h["expected_arrivals"] > 0.5)
    busiest = max(hours, key=lambda h: h["expected_arrivals"])
    assert busiest["service_level"] >= 0.8
    assert busiest["counters"] == body["peak_counters"]
    fewer = busiest["one_fewer"]
    assert fewer["counters"] == busiest["counters"] - 1
    assert fewer["service_level"] < 0.8
    assert fewer["expected_wait_seconds"] is None or (
        fewer["expected_wait_seconds"] > busiest["expected_wait_seconds"]
    )
    # The measured service time (~5 min generated) rather than the configured 5 min.
    assert 200 < busiest["service_seconds"] < 420
    # A stricter target (an override) asks for at least as many counters.
    strict = bank.api["manager"].get(STAFFING, query | {"wait_minutes": 2, "service_level": 95})
    assert strict.json()["target"] == {"wait_minutes": 2, "service_level": 95}
    assert strict.json()["peak_counters"] >= body["peak_counters"]
    # The organisation's target becomes the default.
    response = bank.api["manager"].put(
        TARGET,
        {"organization": str(bank.org.pk), "wait_minutes": 5, "service_level": 90},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "organization": str(bank.org.pk),
        "wait_minutes": 5,
        "service_level": 90,
    }
    again = bank.api["manager"].get(STAFFING, query).json()
    assert again["target"] == {"wait_minutes": 5, "service_level": 90}
    assert bank.api["manager"].get(TARGET, params(bank)).json()["service_level"] == 90
    # A closed day (Sunday): no hours.
    sunday = today + timedelta(days=(6 - today.weekday()) % 7)
    closed = bank.api["manager"].get(STAFFING, query | {"date": str(sunday)})
    assert closed.status_code == 200 and closed.json()["hours"] == []


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"service_level": 100}, "service_level"),
        ({"wait_minutes": 0}, "wait_minutes"),
        ({"date": "2026-13-01"}, "date"),
        ({"branch": "x"}, "branch"),
    ],
)
def test_staffing_bad_input(bank, extra, field):
    query = params(bank, branch=str(bank.branch.pk)) | extra
    error = assert_error(bank.api["manager"].get(STAFFING, query), 400)
    assert field in error["fields"], error


def test_staffing_permissions_and_other_branches(bank, api):
    query = params(bank, branch=str(bank.branch.pk))
    assert_error(bank.api["agent1"].get(STAFFING, query), 403, "permission_denied")
    assert_error(bank.api["other_owner"].get(STAFFING, query), 404, "organization_not_found")
    foreign = params(bank, branch=str(bank.other_branch.pk))
    assert_error(bank.api["manager"].get(STAFFING, foreign), 404, "branch_not_found")
    assert_error(api.get(STAFFING, query), 401)
    assert bank.api["staff"].get(STAFFING, query).status_code == 200


def test_target_bad_input_and_permissions(bank):
    url_body = {"organization": str(bank.org.pk), "wait_minutes": 15, "service_level": 80}
    for bad, field in (
        ({"service_level": 0}, "service_level"),
        ({"wait_minutes": 241}, "wait_minutes"),
    ):
        error = assert_error(bank.api["manager"].put(TARGET, url_body | bad, format="json"), 400)
        assert field in error["fields"]
    assert not StaffingTarget.objects.exists()
    assert_error(bank.api["agent1"].put(TARGET, url_body, format="json"), 403)
    assert_error(bank.api["agent1"].get(TARGET, params(bank)), 403)
    assert_error(bank.api["other_owner"].put(TARGET, url_body, format="json"), 404)
    assert bank.api["manager"].get(TARGET, params(bank)).json() == url_body  # the defaults
    assert not StaffingTarget.objects.exists()


def test_recompute_on_demand(bank, settings):
    open_branch(bank.branch)
    seed_history(bank.normal, today=local_day(bank.org), weeks=4, per_day=40)
    assert not ArrivalForecast.objects.exists()
    client = bank.api["manager"]
    response = client.post(RECOMPUTE, {"organization": str(bank.org.pk)}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hours"] == ArrivalForecast.objects.filter(organization=bank.org).count() > 0
    assert body["series"] == 1 and body["branches"] == 1
    assert body["duration_ms"] < 5000
    assert_error(client.post(RECOMPUTE, {}, format="json"), 400)
    assert_error(
        bank.api["agent1"].post(RECOMPUTE, {"organization": str(bank.org.pk)}, format="json"), 403
    )
    assert_error(
        bank.api["other_owner"].post(RECOMPUTE, {"organization": str(bank.org.pk)}, format="json"),
        404,
    )


def test_recompute_is_rate_limited(bank, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "smartqueue_forecast_recompute": "2/hour"},
    }
    from rest_framework.settings import api_settings

    from teranga.core.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = bank.api["manager"]
        body = {"organization": str(bank.org.pk)}
        assert client.post(RECOMPUTE, body, format="json").status_code == 200
        assert client.post(RECOMPUTE, body, format="json").status_code == 200
        assert_error(client.post(RECOMPUTE, body, format="json"), 429, "throttled")
        assert client.get(FORECAST, params(bank)).status_code == 200  # its own scope
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_the_nightly_job(bank):
    jobs = {job.name: job for job in product().periodic_jobs}
    job = jobs["smartqueue.forecasts_compute"]
    assert job.schedule == {"hour": "2", "minute": "30"}
    open_branch(bank.branch)
    seed_history(bank.normal, today=local_day(bank.org), weeks=3, per_day=30)
    assert job.function() == 2  # the bank and the other bank (no history: zeros)
    mine = ArrivalForecast.objects.filter(organization=bank.org)
    count = mine.count()
    assert count > 0
    assert forecasts_compute_all() == 2  # idempotent: the same rows again
    assert mine.count() == count


def test_schema_documents_the_endpoints(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    forecast = paths[FORECAST]["get"]
    assert {p["name"] for p in forecast["parameters"]} >= {
        "organization",
        "branch",
        "service",
        "from",
        "days",
    }
    assert {"200", "400", "401", "403", "404", "429"} <= set(forecast["responses"])
    staffing = paths[STAFFING]["get"]
    assert {p["name"] for p in staffing["parameters"]} >= {
        "organization",
        "branch",
        "date",
        "wait_minutes",
        "service_level",
    }
    assert {"400", "403", "404"} <= set(staffing["responses"])
    assert "post" in paths[RECOMPUTE] and {"get", "put"} <= set(paths[TARGET])
