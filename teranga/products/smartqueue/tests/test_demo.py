"""SmartQueue's demo: loaded with the platform demo, idempotent, and usable end to end
(a client finds the branch nearby and takes a ticket, an agent calls it, the manager
sees the day's KPIs)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from conftest import authed_client
from teranga.platform.organizations.demo import seed_demo
from teranga.platform.payments.models import Subscription
from teranga.products.smartqueue.models import (
    AgentSession,
    Counter,
    Queue,
    QueueService,
    Ticket,
    TicketEvent,
    TravelModel,
)
from teranga.products.smartqueue.selectors.days import local_day

pytestmark = pytest.mark.django_db
PASSWORD = "Demo-Pass-2026!"
BASE = "/api/v1/smartqueue"


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (QueueService, Queue, Counter, AgentSession, Ticket, TicketEvent, TravelModel)
    }


@pytest.fixture
def demo():
    logins = seed_demo(password=PASSWORD)
    return logins


def test_loading_twice_changes_nothing(demo):
    before = counts()
    assert before["Ticket"] >= 30
    again = seed_demo(password=PASSWORD)
    assert counts() == before
    emails = {row[0] for row in again}
    assert {
        "banque.manager@teranga.demo",
        "banque.agent1@teranga.demo",
        "banque.agent2@teranga.demo",
    } <= emails


def test_the_bank_is_set_up(demo):
    bank_queues = Queue.objects.filter(organization__slug="banque-teranga", is_active=True)
    assert sorted(bank_queues.values_list("prefix", flat=True)) == ["A", "A", "P", "R"]
    assert all(queue.is_open and not queue.follows_hours for queue in bank_queues)
    appointments = bank_queues.get(prefix="R")
    assert appointments.appointment_resource is not None
    assert appointments.appointment_resource.rules.count() == 5  # Monday–Friday 9–16 h
    assert QueueService.objects.get(name="Opérations courantes").sms_keyword == "BANQUE"
    assert Subscription.objects.get(organization__slug="banque-teranga").plan.code == "business"
    assert Counter.objects.filter(organization__slug="banque-teranga").count() == 4
    staffed = AgentSession.objects.filter(ended_at__isnull=True).values_list(
        "agent__email", flat=True
    )
    assert {"banque.agent1@teranga.demo", "banque.agent2@teranga.demo"} <= set(staffed)
    assert Queue.objects.filter(
        organization__slug="hopital-principal", service__name="Consultation générale"
    ).exists()
    assert TravelModel.objects.filter(slug="dakar").exists()


def test_todays_history_gives_the_manager_numbers(demo):
    bank = Queue.objects.get(organization__slug="banque-teranga", prefix="P").organization
    today = local_day(bank)
    history = Ticket.objects.filter(organization=bank, day=today)
    assert history.filter(status="served").count() >= 20
    assert history.filter(status="no_show").exists()
    assert history.filter(rating__isnull=False).exists()
    assert history.filter(status="waiting").count() >= 5
    numbers = sorted(
        history.filter(queue__prefix="A", branch__name__contains="Plateau").values_list(
            "number", flat=True
        )
    )
    assert numbers == list(range(1, len(numbers) + 1))  # gapless, history then live
    served = history.filter(status="served").first()
    assert served.created_at < served.called_at < served.serving_at < served.served_at
    assert list(served.events.values_list("action", flat=True)) == [
        "issue",
        "call",
        "start",
        "finish",
    ]
    manager = authed_client(bank.memberships.get(role="manager").user, PASSWORD)
    response = manager.get(
        f"{BASE}/stats/",
        {"organization": str(bank.pk), "date_from": str(today), "date_to": str(today)},
    )
    assert response.status_code == 200, response.content
    totals = response.json()["totals"]
    assert totals["served"] >= 20
    assert totals["wait_avg_seconds"] > 0
    assert totals["satisfaction_count"] > 0
    assert response.json()["origin"]["regions"][0]["code"] == "DK"


def test_a_client_finds_the_branch_takes_a_ticket_and_an_agent_calls_it(demo, api):
    response = api.get(f"{BASE}/nearby/", {"lat": 14.6934, "lng": -17.4479, "radius_km": 5})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    plateau = next(r for r in results if r["organization"]["name"] == "Banque Teranga")
    queue = next(q for q in plateau["queues"] if q["prefix"] == "A")
    assert queue["is_open"] and queue["open_counters"] >= 2 and queue["waiting"] >= 5
    client = authed_client(get_user_model().objects.get(email="client1@teranga.demo"), PASSWORD)
    taken = client.post(f"{BASE}/queues/{queue['id']}/tickets/", {}, format="json")
    assert taken.status_code == 201, taken.content
    ticket_id = taken.json()["id"]
    agent_user = AgentSession.objects.get(
        agent__email="banque.agent1@teranga.demo", ended_at__isnull=True
    )
    agent = authed_client(agent_user.agent, PASSWORD)
    called = set()
    for _ in range(20):
        response = agent.post(f"{BASE}/counters/{agent_user.counter_id}/call-next/", {})
        assert response.status_code == 200, response.content
        current = response.json()["called"]
        assert current is not None  # our ticket is still waiting
        called.add(current["id"])
        if current["id"] == ticket_id:
            break
        assert (
            agent.post(f"{BASE}/counters/{agent_user.counter_id}/no-show/", {}).status_code == 200
        )
    assert ticket_id in called
    assert Ticket.objects.get(pk=ticket_id).status == "called"


def test_seed_demo_command_prints_the_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "banque.manager@teranga.demo" in out
    assert "/smartqueue/console/" in out
