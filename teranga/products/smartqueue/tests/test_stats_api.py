"""Queue analytics: the KPIs by period and group, the CSV export, the clients' origin
and the live KPIs, on a known history replayed through the services."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from teranga.platform.geo.models import Region
from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.selectors.stats import live_kpis
from teranga.products.smartqueue.services import counters, tickets

URL = "/api/v1/smartqueue/stats/"
CSV_URL = "/api/v1/smartqueue/stats/export.csv"
CLIENT_PHONE = "+221770000001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 (Dakar is UTC+0 all year)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture
def history(bank):
    """Monday 9 March: five tickets (2 served and rated, a no-show, a cancel, an
    expiry); Tuesday 10: one served and rated, one still waiting."""
    c1, c2 = bank.counter1.pk, bank.counter2.pk
    agent1, agent2 = bank.users["agent1"], bank.users["agent2"]
    alice, bob = bank.users["alice"], bank.users["bob"]
    made = {}

    def step(moment, action):
        with time_machine.travel(moment, tick=False):
            return action()

    issue = tickets.ticket_issue
    made["t1"] = step(at(9, 8), lambda: issue(queue=bank.normal, channel="mobile", user=alice))
    made["t2"] = step(at(9, 8, 5), lambda: issue(queue=bank.normal, channel="kiosk"))
    step(at(9, 8, 10), lambda: counters.counter_call_next(counter_id=c1, agent=agent1))
    step(at(9, 8, 11), lambda: counters.counter_start(counter_id=c1, agent=agent1))
    step(at(9, 8, 16), lambda: counters.counter_finish(counter_id=c1, agent=agent1))
    step(at(9, 8, 16), lambda: counters.counter_call_next(counter_id=c1, agent=agent1))
    step(at(9, 8, 20), lambda: counters.counter_no_show(counter_id=c1, agent=agent1))
    made["t3"] = step(at(9, 9), lambda: issue(queue=bank.priority, channel="mobile", user=bob))
    step(at(9, 9, 2), lambda: counters.counter_call_next(counter_id=c2, agent=agent2))
    step(at(9, 9, 2), lambda: counters.counter_start(counter_id=c2, agent=agent2))
    step(at(9, 9, 12), lambda: counters.counter_finish(counter_id=c2, agent=agent2))
    made["t4"] = step(
        at(9, 9, 30), lambda: issue(queue=bank.normal, channel="sms", phone=CLIENT_PHONE)
    )
    step(at(9, 9, 40), lambda: tickets.ticket_cancel(ticket_id=made["t4"].pk, phone=CLIENT_PHONE))
    made["t5"] = step(at(9, 10), lambda: issue(queue=bank.normal, channel="kiosk"))
    step(at(9, 18), lambda: tickets.tickets_expire(queue_id=bank.normal.pk))
    step(at(9, 12), lambda: tickets.ticket_rate(ticket_id=made["t1"].pk, user=alice, rating=5))
    step(at(9, 12), lambda: tickets.ticket_rate(ticket_id=made["t3"].pk, user=bob, rating=3))
    made["t6"] = step(at(10, 10), lambda: issue(queue=bank.normal, channel="mobile", user=alice))
    made["t7"] = step(at(10, 10, 5), lambda: issue(queue=bank.normal, channel="kiosk"))
    step(at(10, 10, 20), lambda: counters.counter_call_next(counter_id=c2, agent=agent2))
    step(at(10, 10, 21), lambda: counters.counter_start(counter_id=c2, agent=agent2))
    step(at(10, 10, 31), lambda: counters.counter_finish(counter_id=c2, agent=agent2))
    step(at(10, 11), lambda: tickets.ticket_rate(ticket_id=made["t6"].pk, user=alice, rating=4))
    # Where the clients came from (the location service fills this at issue).
    dakar, thies = Region.objects.get(code="DK"), Region.objects.get(code="TH")
    Ticket.objects.filter(pk__in=[made["t1"].pk, made["t6"].pk]).update(
        origin_region=dakar, origin_commune="Dakar-Plateau"
    )
    Ticket.objects.filter(pk=made["t3"].pk).update(origin_region=dakar, origin_commune="Pikine")
    Ticket.objects.filter(pk=made["t2"].pk).update(origin_region=thies)
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert [statuses[made[f"t{n}"].pk] for n in range(1, 8)] == [
        "served",
        "no_show",
        "served",
        "cancelled",
        "expired",
        "served",
        "waiting",
    ]
    return made


def query(bank, **params):
    return {
        "organization": str(bank.org.pk),
        "date_from": "2026-03-09",
        "date_to": "2026-03-10",
    } | {key: str(value) for key, value in params.items()}


def test_daily_kpis_of_the_organization(bank, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = bank.api["manager"].get(URL, query(bank))
    assert response.status_code == 200, response.content
    report = response.json()
    assert [row["period_start"] for row in report["rows"]] == ["2026-03-09", "2026-03-10"]
    monday, tuesday = report["rows"]
    assert monday["group"] == {"kind": "organization", "id": None, "name": "Banque Teranga"}
    assert {k: monday[k] for k in ("issued", "served", "no_show", "cancelled", "expired")} == {
        "issued": 5,
        "served": 2,
        "no_show": 1,
        "cancelled": 1,
        "expired": 1,
    }
    assert monday["abandoned"] == 2
    assert monday["wait_avg_seconds"] == 460.0  # 600, 660 and 120 s
    assert monday["wait_p90_seconds"] == 648.0  # 600 + 0.8 × 60
    assert monday["service_avg_seconds"] == 450.0  # 300 and 600 s
    assert monday["no_show_rate"] == 0.2
    assert monday["abandonment_rate"] == 0.4
    assert monday["satisfaction_avg"] == 4.0
    assert monday["satisfaction_count"] == 2
    assert monday["satisfaction_distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert monday["issued_by_hour"][8:11] == [2, 2, 1]
    assert sum(monday["issued_by_hour"]) == 5
    assert monday["peak_hour"] == 8
    assert tuesday["issued"] == 2
    assert tuesday["served"] == 1
    assert tuesday["wait_avg_seconds"] == tuesday["wait_p90_seconds"] == 1200.0
    assert tuesday["no_show_rate"] == 0.0
    totals = report["totals"]
    assert totals["issued"] == 7
    assert totals["served"] == 3
    assert totals["satisfaction_avg"] == 4.0
    assert totals["satisfaction_count"] == 3
    assert [h["issued"] for h in report["peak_hours"]][8:11] == [2, 2, 3]


def test_weekly_by_counter_and_agent(bank, history):
    response = bank.api["owner"].get(URL, query(bank, period="week", group_by="counter"))
    assert response.status_code == 200, response.content
    rows = {
        row["group"]["name"] if row["group"]["id"] else None: row for row in response.json()["rows"]
    }
    assert set(rows) == {"Guichet 1", "Guichet 2", None}
    assert all(row["period_start"] == "2026-03-09" for row in rows.values())
    assert all(row["period_end"] == "2026-03-15" for row in rows.values())
    assert rows["Guichet 1"]["group"]["id"] == str(bank.counter1.pk)
    assert (rows["Guichet 1"]["served"], rows["Guichet 1"]["no_show"]) == (1, 1)
    assert rows["Guichet 2"]["served"] == 2
    assert rows["Guichet 2"]["wait_avg_seconds"] == 660.0  # 120 and 1200 s
    assert rows[None]["issued"] == 3  # cancelled, expired and waiting: never at a counter
    response = bank.api["owner"].get(URL, query(bank, period="month", group_by="agent"))
    rows = {row["group"]["id"]: row for row in response.json()["rows"]}
    assert rows[str(bank.users["agent2"].pk)]["served"] == 2
    assert rows[str(bank.users["agent2"].pk)]["group"]["name"].startswith("Moussa")
    assert rows[str(bank.users["agent2"].pk)]["period_start"] == "2026-03-01"
    assert rows[str(bank.users["agent2"].pk)]["period_end"] == "2026-03-31"


def test_group_by_service_and_branch_and_filters(bank, history):
    response = bank.api["manager"].get(URL, query(bank, group_by="service", period="month"))
    (row,) = response.json()["rows"]
    assert row["group"] == {
        "kind": "service",
        "id": str(bank.service.pk),
        "name": "Opérations courantes",
    }
    assert row["issued"] == 7
    response = bank.api["manager"].get(
        URL, query(bank, group_by="branch", counter=bank.counter1.pk)
    )
    rows = response.json()["rows"]
    assert [row["group"]["name"] for row in rows] == ["Agence Plateau"]
    assert (rows[0]["issued"], rows[0]["served"], rows[0]["no_show"]) == (2, 1, 1)
    response = bank.api["manager"].get(URL, query(bank, agent=bank.users["agent2"].pk))
    assert response.json()["totals"]["served"] == 2
    # An id of another organisation matches nothing (nothing leaks).
    response = bank.api["manager"].get(URL, query(bank, branch=bank.other_branch.pk))
    assert response.status_code == 200
    assert response.json()["rows"] == []
    assert response.json()["totals"]["issued"] == 0
    assert response.json()["origin"] == {"total": 0, "regions": []}


def test_origin_by_region_and_commune(bank, history):
    origin = bank.api["manager"].get(URL, query(bank)).json()["origin"]
    assert origin["total"] == 7
    dakar, thies, unknown = origin["regions"]
    assert (dakar["code"], dakar["name"], dakar["count"], dakar["share"]) == (
        "DK",
        "Dakar",
        3,
        round(3 / 7, 4),
    )
    assert [(c["name"], c["count"]) for c in dakar["communes"]] == [
        ("Dakar-Plateau", 2),
        ("Pikine", 1),
    ]
    assert (thies["code"], thies["count"]) == ("TH", 1)
    assert thies["communes"][0]["known"] is False
    assert unknown["code"] is None
    assert unknown["count"] == 3


def test_csv_export(bank, history):
    response = bank.api["manager"].get(CSV_URL, query(bank, group_by="counter"))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 5  # Monday: 2 counters + none; Tuesday: counter 2 + none
    monday_c1 = next(
        r for r in rows if r["period_start"] == "2026-03-09" and r["group_name"] == "Guichet 1"
    )
    assert monday_c1["group_kind"] == "counter"
    assert monday_c1["served"] == "1"
    assert monday_c1["wait_avg_seconds"] == "630.0"
    assert monday_c1["rating_5"] == "1"
    assert monday_c1["issued_h08"] == "2"
    assert monday_c1["no_show_rate"] == "0.5"


def test_csv_cells_cannot_run_formulas(bank, history):
    bank.counter1.name = "=HYPERLINK(1)"
    bank.counter1.save()
    response = bank.api["manager"].get(CSV_URL, query(bank, group_by="counter"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "'=HYPERLINK(1)" in {row["group_name"] for row in rows}


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_to": "2026-03-01"}, "date_to"),  # before date_from
        ({"date_from": "2025-03-01", "date_to": "2026-03-02"}, "date_to"),  # 367 days
        ({"period": "year"}, "period"),
        ({"group_by": "queue"}, "group_by"),
        ({"date_from": "9 mars"}, "date_from"),
        ({"branch": "not-a-uuid"}, "branch"),
        ({"colour": "red"}, "colour"),  # unknown parameter
    ],
)
def test_bad_input(bank, url, params, field):
    response = bank.api["manager"].get(url, query(bank) | params)
    error = assert_error(response, 400)
    assert field in error["fields"], error


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_bad_input_missing_dates_and_organization(bank, url):
    error = assert_error(bank.api["manager"].get(url, {}), 400)
    assert {"organization", "date_from", "date_to"} <= set(error["fields"])


def test_a_full_year_is_allowed(bank):
    response = bank.api["manager"].get(
        URL, query(bank) | {"date_from": "2025-03-10", "date_to": "2026-03-10"}
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_permissions(bank, history, api, url):
    for name in ("agent1", "plain"):
        assert_error(bank.api[name].get(url, query(bank)), 403, "permission_denied")
    for name in ("alice", "other_owner"):
        assert_error(bank.api[name].get(url, query(bank)), 404, "organization_not_found")
    assert_error(api.get(url, query(bank)), 401)
    unknown = query(bank) | {"organization": "00000000-0000-0000-0000-000000000000"}
    assert_error(bank.api["manager"].get(url, unknown), 404, "organization_not_found")
    assert bank.api["staff"].get(url, query(bank)).status_code == 200
    assert bank.api["owner"].get(url, query(bank)).status_code == 200


def test_the_other_organization_sees_only_its_own(bank, history):
    response = bank.api["other_owner"].get(URL, query(bank) | {"organization": str(bank.other.pk)})
    assert response.status_code == 200
    assert response.json()["totals"]["issued"] == 0


def test_export_is_rate_limited(bank, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "smartqueue_export": "2/hour"},
    }
    from rest_framework.settings import api_settings

    from teranga.core.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = bank.api["manager"]
        assert client.get(CSV_URL, query(bank)).status_code == 200
        assert client.get(CSV_URL, query(bank)).status_code == 200
        assert_error(client.get(CSV_URL, query(bank)), 429, "throttled")
        assert client.get(URL, query(bank)).status_code == 200  # its own scope
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_schema_documents_the_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    export = paths["/api/v1/smartqueue/stats/export.csv"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    stats = paths["/api/v1/smartqueue/stats/"]["get"]
    assert {p["name"] for p in stats["parameters"]} >= {
        "organization",
        "date_from",
        "date_to",
        "period",
        "group_by",
        "branch",
        "service",
        "counter",
        "agent",
    }
    assert {"400", "403", "404"} <= set(stats["responses"])


def test_live_kpis(bank, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        kpis = live_kpis(organization=bank.org, now=at(10, 12))
    assert kpis["day"] == "2026-03-10"
    assert (kpis["issued"], kpis["served"], kpis["waiting"], kpis["serving"]) == (2, 1, 1, 0)
    assert (kpis["no_show"], kpis["cancelled"], kpis["expired"]) == (0, 0, 0)
    assert kpis["wait_avg_seconds"] == kpis["wait_p90_seconds"] == 1200.0
    assert kpis["service_avg_seconds"] == 600.0
    assert kpis["open_counters"] == 2
    assert (kpis["satisfaction_avg"], kpis["satisfaction_count"]) == (4.0, 1)
    assert kpis["branches"] == [
        {
            "id": str(bank.branch.pk),
            "name": "Agence Plateau",
            "waiting": 1,
            "serving": 0,
            "open_counters": 2,
        }
    ]
    monday = live_kpis(organization=bank.org, now=at(9, 20))
    assert (monday["issued"], monday["no_show"], monday["cancelled"]) == (5, 1, 1)
    assert monday["wait_p90_seconds"] == 648.0
    assert monday["wait_avg_seconds"] == 460.0
    import json

    json.dumps(kpis)  # what the monitor channel sends


def test_live_kpis_count_the_organization_only(bank):
    tickets.ticket_issue(queue=bank.other_queue, channel="kiosk")
    kpis = live_kpis(organization=bank.org)
    assert kpis["issued"] == 0
    assert kpis["branches"][0]["waiting"] == 0
