"""The report over HTTP on known traffic: the cards and their growth, the time series,
breakdowns, goals, funnels, demographics (never a group under 10), the CSV export, and a
number of queries that does not grow with the traffic."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.platform.analytics import services
from teranga.platform.analytics.models import Visit
from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.organizations.models import Role

from .test_collect import IPHONE, WINDOWS

#: Today (UTC, the organisation's Africa/Dakar): the report is read at the real time (the
#: access token is real), the traffic is sent at chosen times of the days around it.
TODAY = timezone.now().astimezone(UTC).date()
NOW = datetime.combine(TODAY, time(12), tzinfo=UTC)


def hit(site, when, path, *, address, agent=WINDOWS, name="pageview", referrer=""):
    with time_machine.travel(when, tick=False):
        response = APIClient().post(
            "/api/v1/analytics/collect/",
            {
                "site": site.public_id,
                "url": f"https://awa.example{path}",
                "name": name,
                "referrer": referrer,
            },
            format="json",
            REMOTE_ADDR=address,
            HTTP_USER_AGENT=agent,
        )
    assert response.status_code == 202, response.content


def at(days_ago, hour, minute=0):
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour, minute), tzinfo=UTC)


@pytest.fixture
def traffic(shop):
    organization, users, site = shop
    google = "https://www.google.com/"
    # These 7 days: yesterday A reads two pages and signs up and B bounces; today C
    # reads two pages.
    hit(site, at(1, 10), "/", address="198.51.100.1", agent=IPHONE, referrer=google)
    hit(site, at(1, 10, 2), "/pricing/", address="198.51.100.1", agent=IPHONE)
    hit(site, at(1, 10, 5), "/pricing/", address="198.51.100.1", agent=IPHONE, name="signup")
    hit(site, at(1, 11), "/", address="198.51.100.2")
    hit(site, at(0, 9), "/", address="198.51.100.3", referrer="https://m.facebook.com/")
    hit(site, at(0, 9, 1), "/pricing/", address="198.51.100.3")
    # The 7 days before: two bounces.
    hit(site, at(9, 10), "/", address="198.51.100.4")
    hit(site, at(8, 10), "/", address="198.51.100.5")
    services.events_flush()
    pricing = services.goal_create(site=site, name="Pricing", kind="pageview", path="/pricing/")
    signup = services.goal_create(site=site, name="Signup", kind="event", event_name="signup")
    services.funnel_create(site=site, name="Buy", goal_ids=[pricing.pk, signup.pk])
    services.funnel_create(site=site, name="Backwards", goal_ids=[signup.pk, pricing.pk])
    return organization, users, site


def report(client, site, period="7d"):
    return client.get(f"/api/v1/analytics/sites/{site.pk}/report/", {"period": period})


@pytest.mark.django_db
def test_the_report_of_known_traffic(traffic, client_for):
    _organization, users, site = traffic
    response = report(client_for(users[Role.MANAGER]), site)
    assert response.status_code == 200, response.content
    body = response.json()
    cards = {
        name: (card["value"], card["previous"], card["growth"])
        for name, card in body["cards"].items()
    }
    assert cards == {
        "visitors": (3, 2, 50.0),
        "pageviews": (5, 2, 150.0),
        "visits": (3, 2, 50.0),
        "views_per_visit": (1.67, 1.0, 67.0),
        "bounce_rate": (33.3, 100.0, -66.7),
        "visit_duration": (120, 0, None),
        "conversions": (2, 0, None),
        "conversion_rate": (66.7, 0.0, None),
    }
    assert (body["date_from"], body["date_to"], body["interval"]) == (
        str(TODAY - timedelta(days=6)),
        str(TODAY),
        "day",
    )
    series = {point["bucket"][:10]: point["visitors"] for point in body["timeseries"]}
    assert len(series) == 7 and series[str(TODAY - timedelta(days=1))] == 2
    assert series[str(TODAY)] == 1
    assert sum(series.values()) == 3
    assert body["pages"] == [
        {"name": "/", "visitors": 3, "pageviews": 3},
        {"name": "/pricing/", "visitors": 2, "pageviews": 2},
    ]
    assert {row["name"]: row["visitors"] for row in body["sources"]} == {"Facebook": 1, "Google": 1}
    assert {row["name"]: row["visitors"] for row in body["devices"]} == {"desktop": 2, "mobile": 1}
    assert {row["name"] for row in body["browsers"]} == {"Chrome", "Mobile Safari"}
    assert {row["name"]: row["visits"] for row in body["exit_pages"]} == {"/pricing/": 2, "/": 1}
    goals = {
        goal["name"]: (goal["visitors"], goal["events"], goal["conversion_rate"])
        for goal in body["goals"]
    }
    assert goals == {"Pricing": (2, 2, 66.7), "Signup": (1, 1, 33.3)}
    funnels = {
        f["name"]: [(s["visitors"], s["drop_off"], s["conversion_rate"]) for s in f["steps"]]
        for f in body["funnels"]
    }
    assert funnels == {
        "Buy": [(2, 0, 100.0), (1, 1, 50.0)],
        "Backwards": [(1, 0, 100.0), (0, 1, 0.0)],
    }
    # Today: by hour, against yesterday.
    today = report(client_for(users[Role.MANAGER]), site, "today").json()
    assert today["interval"] == "hour" and len(today["timeseries"]) == 24
    assert (today["cards"]["visitors"]["value"], today["cards"]["visitors"]["previous"]) == (1, 2)
    assert today["cards"]["visitors"]["growth"] == -50.0
    year = report(client_for(users[Role.MANAGER]), site, "12mo").json()
    assert year["interval"] == "month" and len(year["timeseries"]) == 12
    assert year["cards"]["visitors"]["value"] == 5
    assert sum(point["visitors"] for point in year["timeseries"]) == 5


@pytest.mark.django_db
def test_the_report_queries_do_not_grow_with_the_traffic(traffic, client_for):
    _organization, users, site = traffic
    client = client_for(users[Role.MANAGER])
    report(client, site)
    with CaptureQueriesContext(connection) as small:
        report(client, site)
    for n in range(40):
        hit(site, at(2, 10, n), f"/p{n}/", address=f"192.0.2.{n}")
    services.events_flush()
    with CaptureQueriesContext(connection) as large:
        assert report(client, site).json()["cards"]["visitors"]["value"] == 43
    assert len(small.captured_queries) == len(large.captured_queries) <= 30


@pytest.mark.django_db
def test_demographics_are_never_reported_for_a_group_under_ten(shop, client_for):
    _organization, users, site = shop

    def visits(n, **fields):
        Visit.objects.bulk_create(
            Visit(
                site=site,
                organization_id=site.organization_id,
                visitor_id=hash((str(fields), k)),
                started_at=NOW,
                last_seen_at=NOW,
                pageviews=1,
                device="mobile",
                **fields,
            )
            for k in range(n)
        )

    visits(12, gender="female", age_range="25-34")
    visits(9, gender="male", age_range="18-24")
    visits(1, gender="other", age_range="65+")
    body = report(client_for(users[Role.MANAGER]), site).json()["demographics"]
    assert body == {
        "minimum_group": 10,
        "genders": [{"name": "female", "visitors": 12}],
        "age_ranges": [{"name": "25-34", "visitors": 12}],
    }


@pytest.mark.django_db
def test_a_signed_in_visitors_demographics_travel_with_the_visit_not_the_user(shop, client_for):
    _organization, users, site = shop
    person = users[Role.AGENT]
    api = client_for(person)
    assert api.get("/api/v1/analytics/me/demographics/").json()["gender"] == ""
    answer = api.put(
        "/api/v1/analytics/me/demographics/",
        {"gender": "female", "age_range": "25-34"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["age_range"] == "25-34"
    bad = api.put(
        "/api/v1/analytics/me/demographics/", {"gender": "robot", "age_range": ""}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["gender"]
    assert api.get("/api/v1/analytics/me/demographics/").json()["gender"] == "female"
    assert APIClient().get("/api/v1/analytics/me/demographics/").status_code == 401
    browser = Client()
    browser.force_login(person)
    response = browser.post(
        "/api/v1/analytics/collect/",
        {"site": site.public_id, "url": "https://awa.example/"},
        content_type="application/json",
    )
    assert response.status_code == 202
    services.events_flush()
    visit = Visit.objects.get()
    assert (visit.gender, visit.age_range) == ("female", "25-34")
    assert str(person.pk) not in str(Visit.objects.values().get())


@pytest.mark.django_db
def test_the_csv_export_is_audited(traffic, client_for):
    organization, users, site = traffic
    client = client_for(users[Role.MANAGER])
    response = client.get(f"/api/v1/analytics/sites/{site.pk}/export/", {"period": "7d"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "name", "value", "previous", "visitors", "visits", "pageviews"]
    summary = {row[1]: row[2:4] for row in rows if row[0] == "summary"}
    assert summary["visitors"] == ["3", "2"] and summary["pageviews"] == ["5", "2"]
    assert ["pages", "/", "", "", "3", "", "3"] in rows
    assert ["funnel:Buy", "Signup", "50.0", "", "1", "", ""] in rows
    entry = AuditEntry.objects.get(action=AuditAction.DATA_EXPORTED)
    assert entry.organization_id == organization.pk and entry.object_type == "analytics.site"
    assert entry.actor_id == users[Role.MANAGER].pk
    bad = client.get(f"/api/v1/analytics/sites/{site.pk}/export/", {"period": "week"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert (
        client_for(users[Role.AGENT]).get(f"/api/v1/analytics/sites/{site.pk}/export/").status_code
        == 403
    )
    assert AuditEntry.objects.filter(action=AuditAction.DATA_EXPORTED).count() == 1
