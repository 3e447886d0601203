"""The agents' performance over HTTP (``GET …/organizations/{id}/performance/``): the
figures of built data (leads, visits, reservations, deals and commissions, in and out of
the period, and another agency's), the default and named periods, what each role sees,
isolation, bad input, and a query count that does not grow with the number of agents.
Also the staff pages ``/realestate/agencies/<id>/performance/`` and ``…/settings/``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import authed_client
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.models import Booking, Resource
from teranga.products.realestate.models import (
    Client as CrmClient,
)
from teranga.products.realestate.models import (
    Commission,
    CommissionShare,
    Lead,
    PipelineStage,
    Reservation,
    ReservationStatus,
    ShareKind,
    ShareRole,
    StageKind,
    Visit,
    VisitStatus,
)
from teranga.products.realestate.tests.factories import AgencyFactory, PropertyFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


def url(organization) -> str:
    return f"{BASE}/organizations/{organization.pk}/performance/"


def at(day: date, hour: int = 10) -> datetime:
    """A moment of ``day`` (Africa/Dakar is UTC all year)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Builder:
    """Rows of one agency, written directly (the figures are what is being read)."""

    def __init__(self, organization):
        self.org = organization
        self.stages = {
            kind: PipelineStage.objects.create(organization=organization, name=kind, kind=kind)
            for kind in (StageKind.OPEN, StageKind.WON, StageKind.LOST)
        }
        self.client = CrmClient.objects.create(
            organization=organization, kind="person", name="Awa Diop"
        )
        self.prop = PropertyFactory(organization=organization)
        self.resource = Resource.objects.create(organization=organization, name="Visites")

    def lead(self, agent, created: date, kind=StageKind.OPEN, changed: date | None = None):
        lead = Lead.objects.create(
            organization=self.org,
            client=self.client,
            source="phone",
            stage=self.stages[kind],
            agent=agent,
            stage_changed_at=at(changed) if changed else None,
        )
        Lead.objects.filter(pk=lead.pk).update(created_at=at(created))
        return lead

    def visit(self, agent, day: date, status: str):
        starts = at(day)
        booking = Booking.objects.create(
            organization=self.org,
            resource=self.resource,
            source="realestate.visit",
            offering="visit",
            title="Visite",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            occupied_from=starts,
            occupied_until=starts + timedelta(hours=1),
        )
        return Visit.objects.create(
            organization=self.org,
            property=self.prop,
            booking=booking,
            agent=agent,
            guest_name="Invité",
            status=status,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )

    def reservation(self, agent, status: str, closed: date | None = None):
        return Reservation.objects.create(
            organization=self.org,
            property=self.prop,
            agent=agent,
            status=status,
            price=50_000_000,
            deposit_amount=5_000_000,
            currency="XOF",
            closed_at=at(closed) if closed else None,
        )

    def deal(self, day: date, shares: list[tuple], currency: str = "XOF"):
        """A commission dated ``day`` with ``shares``: (agent, role, amount)."""
        total = sum(amount for _agent, _role, amount in shares) * 2
        commission = Commission.objects.create(
            organization=self.org,
            property=self.prop,
            deal_price=80_000_000,
            currency=currency,
            deal_date=day,
            total_amount=total,
            agency_amount=total // 2,
        )
        for agent, role, amount in shares:
            CommissionShare.objects.create(
                organization=self.org,
                commission=commission,
                agent=agent,
                role=role,
                kind=ShareKind.FIXED,
                value=amount,
                amount=amount,
            )
        return commission


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def built(agency):
    """March 2026 at the agency: its two agents' work, with rows before and after the
    period, and the other agency's work in the same days."""
    agent, agent2 = agency.users["agent"], agency.users["agent2"]
    b = Builder(agency.org)
    # Leads: the agent gets 3 in March (one won, one lost), and wins one from February.
    b.lead(agent, date(2026, 3, 2))
    b.lead(agent, date(2026, 3, 5), StageKind.WON, date(2026, 3, 20))
    b.lead(agent, date(2026, 3, 16), StageKind.LOST, date(2026, 3, 18))
    b.lead(agent, date(2026, 2, 10), StageKind.WON, date(2026, 3, 2))
    b.lead(agent, date(2026, 4, 1))  # after the period
    b.lead(agent2, date(2026, 3, 10))
    b.lead(agent2, date(2026, 3, 11))
    b.lead(None, date(2026, 3, 11))  # unassigned: nobody's
    # Visits: done, missed, cancelled, and one in April.
    b.visit(agent, date(2026, 3, 10), VisitStatus.DONE)
    b.visit(agent, date(2026, 3, 17), VisitStatus.DONE)
    b.visit(agent, date(2026, 3, 12), VisitStatus.NO_SHOW)
    b.visit(agent, date(2026, 3, 13), VisitStatus.CANCELLED)
    b.visit(agent, date(2026, 4, 2), VisitStatus.DONE)
    b.visit(agent2, date(2026, 3, 24), VisitStatus.DONE)
    # Reservations: one converted in March, one confirmed, one converted in February.
    b.reservation(agent, ReservationStatus.CONVERTED, date(2026, 3, 15))
    b.reservation(agent, ReservationStatus.CONFIRMED)
    b.reservation(agent2, ReservationStatus.CONVERTED, date(2026, 2, 20))
    # Deals: shared between the agents, the agent alone in both roles, one in April.
    b.deal(
        date(2026, 3, 15),
        [(agent, ShareRole.LISTING, 800_000), (agent2, ShareRole.SELLING, 1_200_000)],
    )
    b.deal(
        date(2026, 3, 25),
        [(agent, ShareRole.LISTING, 500_000), (agent, ShareRole.SELLING, 700_000)],
    )
    b.deal(date(2026, 4, 3), [(agent2, ShareRole.SELLING, 9_000_000)])
    # The other agency, same days.
    other_agent = member(agency.other, Role.AGENT)
    o = Builder(agency.other)
    o.lead(other_agent, date(2026, 3, 5), StageKind.WON, date(2026, 3, 6))
    o.visit(other_agent, date(2026, 3, 10), VisitStatus.DONE)
    o.deal(date(2026, 3, 15), [(other_agent, ShareRole.SELLING, 3_000_000)])
    return b


def figures_of(body) -> dict:
    return {row["agent"]: row for row in body["agents"]}


def test_the_figures_of_the_period(agency, built):
    response = agency.api["manager"].get(url(agency.org), MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date_from"] == "2026-03-01" and body["date_to"] == "2026-03-31"
    assert body["team"] is True
    assert body["currency"] == "XOF"
    rows = figures_of(body)
    # Every member from agent to owner has a row; the plain member has none.
    people = agency.users
    expected = {str(people[name].pk) for name in ("owner", "admin", "manager", "agent", "agent2")}
    assert set(rows) == expected
    agent = rows[str(people["agent"].pk)]
    assert {key: agent[key] for key in agent if key not in ("agent", "name", "role")} == {
        "leads_assigned": 3,
        "leads_won": 2,
        "leads_lost": 1,
        "visits_done": 2,
        "visits_no_show": 1,
        "reservations_converted": 1,
        "deals": 2,
        "commission": [
            {"currency": "XOF", "amount": 2_000_000, "display": agent["commission"][0]["display"]}
        ],
    }
    assert "2" in agent["commission"][0]["display"]
    assert agent["name"] == "Moussa Fall" and agent["role"] == "agent"
    agent2 = rows[str(people["agent2"].pk)]
    assert (agent2["leads_assigned"], agent2["visits_done"], agent2["deals"]) == (2, 1, 1)
    assert agent2["reservations_converted"] == 0
    assert agent2["commission"][0]["amount"] == 1_200_000
    manager = rows[str(people["manager"].pk)]
    assert manager["leads_assigned"] == 0 and manager["commission"] == []
    totals = body["totals"]
    assert totals["leads_assigned"] == 5
    assert (totals["leads_won"], totals["leads_lost"]) == (2, 1)
    assert (totals["visits_done"], totals["visits_no_show"]) == (3, 1)
    assert totals["reservations_converted"] == 1
    assert totals["deals"] == 2  # the shared deal once
    assert totals["commission"][0]["amount"] == 3_200_000
    # Weeks from Monday 23 February (the week of 1 March) to Monday 30 March.
    weeks = {week["week_start"]: week for week in body["weeks"]}
    assert list(weeks)[0] == "2026-02-23" and list(weeks)[-1] == "2026-03-30"
    assert len(weeks) == 6
    assert weeks["2026-03-02"]["leads_assigned"] == 2  # 2 and 5 March
    assert weeks["2026-03-09"]["leads_assigned"] == 2  # agent2's
    assert weeks["2026-03-09"]["visits_done"] == 1
    assert weeks["2026-03-16"]["visits_done"] == 1
    assert weeks["2026-03-09"]["deals"] == 1  # 15 March is a Sunday
    assert weeks["2026-03-23"]["deals"] == 1
    assert weeks["2026-03-23"]["commission"] == [
        {
            "currency": "XOF",
            "amount": 1_200_000,
            "display": weeks["2026-03-23"]["commission"][0]["display"],
        }
    ]
    assert sum(week["leads_assigned"] for week in body["weeks"]) == totals["leads_assigned"]


def test_an_agent_sees_their_own_row(agency, built):
    response = agency.api["agent"].get(url(agency.org), MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["team"] is False
    assert [row["agent"] for row in body["agents"]] == [str(agency.users["agent"].pk)]
    assert body["totals"]["leads_assigned"] == 3
    assert body["totals"]["deals"] == 2
    assert body["totals"]["commission"][0]["amount"] == 2_000_000


def test_roles_and_isolation(agency, built):
    for name in ("owner", "admin", "manager"):
        assert len(agency.api[name].get(url(agency.org), MARCH).json()["agents"]) == 5, name
    staff = authed_client(agency.users["staff"]).get(url(agency.org), MARCH)
    assert staff.status_code == 200 and staff.json()["team"] is True
    denied = agency.api["plain"].get(url(agency.org), MARCH)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"
    for name in ("other_manager", "client"):
        hidden = agency.api[name].get(url(agency.org), MARCH)
        assert hidden.status_code == 404, name
        assert hidden.json()["error"]["code"] == "organization_not_found"
    # The other agency's manager reads their own agency, without our rows.
    theirs = agency.api["other_manager"].get(url(agency.other), MARCH).json()
    assert theirs["totals"]["leads_assigned"] == 1 and theirs["totals"]["deals"] == 1
    assert str(agency.users["agent"].pk) not in figures_of(theirs)
    assert (
        agency.api["manager"].get(f"{BASE}/organizations/not-a-uuid/performance/").status_code
        == 404
    )
    assert Client().get(url(agency.org)).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "to"),
        ({"period": "custom", "from": "2026-03-01"}, "to"),
        ({"period": "custom"}, "from"),
        ({"period": "week"}, "period"),
        ({"from": "hier"}, "from"),
    ],
)
def test_bad_periods(agency, query, field):
    response = agency.api["manager"].get(url(agency.org), query)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


@time_machine.travel(datetime(2026, 5, 14, 12, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        (None, ("2026-05-01", "2026-05-31")),
        ("month", ("2026-05-01", "2026-05-31")),
        ("quarter", ("2026-04-01", "2026-06-30")),
        ("year", ("2026-01-01", "2026-12-31")),
    ],
)
def test_named_periods(agency, built, period, bounds):
    query = {"period": period} if period else {}
    body = agency.api["manager"].get(url(agency.org), query).json()
    assert (body["date_from"], body["date_to"]) == bounds
    if period == "year":
        # The whole year: February's won lead and April's rows count too.
        assert body["totals"]["leads_assigned"] == 7
        assert body["totals"]["deals"] == 3
        assert body["totals"]["reservations_converted"] == 2
    if period == "quarter":
        assert body["totals"]["leads_assigned"] == 1  # 1 April
        assert body["totals"]["visits_done"] == 1
        assert body["totals"]["commission"][0]["amount"] == 9_000_000


def queries_for(client, organization) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(organization), MARCH)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_agents(db):
    organization = AgencyFactory(slug="compte-requetes")
    owner = member(organization, Role.OWNER)
    b = Builder(organization)

    def work(agent):
        b.lead(agent, date(2026, 3, 3), StageKind.WON, date(2026, 3, 4))
        b.visit(agent, date(2026, 3, 5), VisitStatus.DONE)
        b.reservation(agent, ReservationStatus.CONVERTED, date(2026, 3, 6))
        b.deal(date(2026, 3, 7), [(agent, ShareRole.SELLING, 100_000)])

    first = member(organization, Role.AGENT)
    work(first)
    client = authed_client(owner)
    client.get(url(organization), MARCH)  # warm the caches (throttles, translations)
    one = queries_for(client, organization)
    for _n in range(4):
        work(member(organization, Role.AGENT))
    body = client.get(url(organization), MARCH).json()
    assert len([row for row in body["agents"] if row["deals"] == 1]) == 5
    assert body["totals"]["deals"] == 5
    five = queries_for(client, organization)
    assert five == one


# --- the pages ---------------------------------------------------------------------------


def page_url(organization, name="performance") -> str:
    return f"/realestate/agencies/{organization.pk}/{name}/"


def session_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_page_with_a_session(agency, built):
    response = session_of(agency.users["manager"]).get(
        page_url(agency.org), {**MARCH, "lang": "en"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert 'data-mode="session"' in html
    assert "Agent performance" in html and agency.org.name in html
    assert "Moussa Fall" in html
    # The figures, written as JSON for the script (no inline script: a JSON data block).
    assert 'id="dashboard-data" type="application/json"' in html
    assert "<script>" not in html
    assert "/static/realestate/performance.js" in html
    assert "/static/core/vendor/chart.umd.min.js" in html
    assert '"leads_assigned": 5' in html
    # An agent: their own row only.
    mine = session_of(agency.users["agent"]).get(page_url(agency.org), MARCH)
    assert mine.status_code == 200
    assert agency.users["manager"].email not in mine.content.decode()


def test_the_dashboard_page_refuses_and_hides(agency):
    assert session_of(agency.users["plain"]).get(page_url(agency.org)).status_code == 403
    assert session_of(agency.users["other_manager"]).get(page_url(agency.org)).status_code == 404
    assert (
        session_of(agency.users["manager"]).get(page_url(agency.org), {"period": "x"}).status_code
        == 400
    )
    assert (
        session_of(agency.users["manager"])
        .get(page_url(agency.org), {"from": "2026-03-02", "to": "2026-03-01"})
        .status_code
        == 400
    )
    # Without a session: the sign-in shell, no figures.
    shell = Client().get(page_url(agency.org), {"lang": "fr"})
    assert shell.status_code == 200
    html = shell.content.decode()
    assert 'data-mode="token"' in html and 'id="login-view"' in html
    assert agency.org.name not in html


def test_the_settings_page_and_its_endpoints(agency):
    shell = Client().get(page_url(agency.org, "settings"), {"lang": "en"})
    assert shell.status_code == 200
    html = shell.content.decode()
    assert "<script>" not in html and "/static/realestate/settings.js" in html
    org = agency.org.pk
    endpoints = {
        "form-branding": f"organizations/{org}/",
        "form-weights": f"realestate/organizations/{org}/matching-weights/",
        "form-automation": f"realestate/organizations/{org}/crm-automation/",
        "form-transactions": f"realestate/organizations/{org}/transaction-settings/",
    }
    for form, endpoint in endpoints.items():
        assert f'id="{form}" data-endpoint="{endpoint}"' in html, form
    # What the page reads and writes, as the owner: every form.
    owner = agency.api["owner"]
    for endpoint in endpoints.values():
        assert owner.get(f"/api/v1/{endpoint}").status_code == 200, endpoint
    saved = owner.patch(
        f"/api/v1/{endpoints['form-automation']}",
        {"assignment_task": False, "assignment_notify": True, "assignment_task_due_hours": 48},
        format="json",
    )
    assert saved.status_code == 200 and saved.json()["assignment_task_due_hours"] == 48
    assert owner.get(f"/api/v1/{endpoints['form-automation']}").json()["assignment_task"] is False
    # A manager reads the agency's card and transaction rules, the rest is refused (the
    # page disables those forms and says why).
    manager = agency.api["manager"]
    assert manager.get(f"/api/v1/{endpoints['form-branding']}").status_code == 200
    assert manager.get(f"/api/v1/{endpoints['form-transactions']}").status_code == 200
    assert manager.get(f"/api/v1/{endpoints['form-weights']}").status_code == 403
    refused = manager.patch(
        f"/api/v1/{endpoints['form-transactions']}", {"hold_hours": 12}, format="json"
    )
    assert refused.status_code == 403
    assert manager.get(f"/api/v1/{endpoints['form-transactions']}").json()["hold_hours"] == 48
