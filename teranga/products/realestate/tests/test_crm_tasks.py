"""CRM tasks and interactions over HTTP (create, list, `mine`, complete, who may do what,
bad input), and the tasks' reminders: sent once by the periodic job, re-armed when the
reminder time changes, never for a done task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from teranga.platform.contract import periodic_jobs
from teranga.platform.notifications.models import Notification
from teranga.products.realestate.models import Client, CrmTask, Interaction, Lead
from teranga.products.realestate.services.crm import lead_create
from tests.writes import unchanged

API = "/api/v1/realestate"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REMINDER = "realestate.task_reminder"

pytestmark = pytest.mark.django_db


def tasks_url(agency) -> str:
    return f"{API}/organizations/{agency.org.pk}/tasks/"


@pytest.fixture
def crm(agency):
    """A client of the agency and a lead of it, assigned to ``agent`` by a manager with the
    automation off (no task yet)."""
    client = Client.objects.create(organization=agency.org, name="Awa Diop")
    from teranga.products.realestate.models import AgencyAutomation

    AgencyAutomation.objects.create(
        organization=agency.org, assignment_task=False, assignment_notify=False
    )
    lead = lead_create(
        organization=agency.org,
        actor=agency.users["manager"],
        client=client,
        source="phone",
        agent_id=agency.users["agent"].pk,
    )
    agency.client, agency.lead = client, lead
    return agency


def iso(moment) -> str:
    return moment.isoformat()


def test_task_lifecycle(crm):
    api = crm.api["agent"]
    due = timezone.now() + timedelta(days=2)
    created = api.post(
        tasks_url(crm),
        {
            "title": "Rappeler Awa",
            "due_at": iso(due),
            "remind_at": iso(due - timedelta(hours=2)),
            "lead": str(crm.lead.pk),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["assignee"]["id"] == str(crm.users["agent"].pk)
    assert task["client"] == str(crm.client.pk) and task["lead"] == str(crm.lead.pk)

    mine = api.get(f"{API}/tasks/mine/").json()["results"]
    assert [t["id"] for t in mine] == [task["id"]]
    listed = api.get(tasks_url(crm), {"lead": str(crm.lead.pk)}).json()["results"]
    assert [t["id"] for t in listed] == [task["id"]]

    # Another agent does not see it; another agency gets 404.
    assert crm.api["agent2"].get(f"{API}/tasks/{task['id']}/").status_code == 403
    assert crm.api["agent2"].get(tasks_url(crm)).json()["results"] == []
    outsider = crm.api["other_manager"].get(f"{API}/tasks/{task['id']}/")
    assert outsider.status_code == 404
    assert outsider.json()["error"]["code"] == "task_not_found"

    done = api.post(f"{API}/tasks/{task['id']}/complete/")
    assert done.status_code == 200 and done.json()["done"] is True and done.json()["done_at"]
    assert api.get(f"{API}/tasks/mine/").json()["results"] == []
    assert [t["id"] for t in api.get(f"{API}/tasks/mine/", {"done": "true"}).json()["results"]]

    reopened = api.patch(f"{API}/tasks/{task['id']}/", {"done": False}, format="json")
    assert reopened.json()["done"] is False and reopened.json()["done_at"] is None
    assert api.delete(f"{API}/tasks/{task['id']}/").status_code == 204
    assert not CrmTask.objects.exists()


def test_task_assignment_rules_and_bad_input(crm):
    due = iso(timezone.now() + timedelta(days=1))
    body = {"title": "Visite", "due_at": due, "client": str(crm.client.pk)}
    with unchanged(CrmTask):
        late_reminder = crm.api["agent"].post(
            tasks_url(crm),
            {**body, "remind_at": iso(timezone.now() + timedelta(days=3))},
            format="json",
            **EN,
        )
        assert late_reminder.status_code == 400
        assert "remind_at" in late_reminder.json()["error"]["fields"]
        both = crm.api["agent"].post(
            tasks_url(crm), {**body, "lead": str(crm.lead.pk)}, format="json"
        )
        assert both.status_code == 400
        for_someone_else = crm.api["agent"].post(
            tasks_url(crm), {**body, "assignee": str(crm.users["agent2"].pk)}, format="json"
        )
        assert for_someone_else.status_code == 403
        plain = crm.api["manager"].post(
            tasks_url(crm), {**body, "assignee": str(crm.users["plain"].pk)}, format="json"
        )
        assert plain.status_code == 400
        assert plain.json()["error"]["code"] == "assignee_not_member"
        # The agent2 works neither another agent's lead nor another agency's client.
        theirs = crm.api["agent2"].post(
            tasks_url(crm), {"title": "x", "due_at": due, "lead": str(crm.lead.pk)}, format="json"
        )
        assert theirs.status_code == 403
        elsewhere = Client.objects.create(organization=crm.other, name="Ailleurs")
        other = crm.api["agent"].post(
            tasks_url(crm), {**body, "client": str(elsewhere.pk)}, format="json"
        )
        assert other.status_code == 404
    given = crm.api["manager"].post(
        tasks_url(crm), {**body, "assignee": str(crm.users["agent2"].pk)}, format="json"
    )
    assert given.status_code == 201
    assert given.json()["assignee"]["id"] == str(crm.users["agent2"].pk)


def test_interactions_on_a_client_and_a_lead(crm):
    api = crm.api["agent"]
    on_client = api.post(
        f"{API}/clients/{crm.client.pk}/interactions/",
        {"kind": "meeting", "summary": "Rendez-vous à l'agence", "lead": str(crm.lead.pk)},
        format="json",
    )
    assert on_client.status_code == 201, on_client.content
    assert on_client.json()["lead"] == str(crm.lead.pk)
    on_lead = api.post(
        f"{API}/leads/{crm.lead.pk}/interactions/",
        {"kind": "note", "summary": "À rappeler"},
        format="json",
    )
    assert on_lead.status_code == 201
    client_list = api.get(f"{API}/clients/{crm.client.pk}/interactions/").json()["results"]
    assert len(client_list) == 2
    assert client_list[0]["author"]["id"] == str(crm.users["agent"].pk)

    other_client = Client.objects.create(organization=crm.org, name="Moussa")
    other_lead = Lead.objects.create(organization=crm.org, client=other_client, source="phone")
    with unchanged(Interaction):
        wrong = api.post(
            f"{API}/clients/{crm.client.pk}/interactions/",
            {"kind": "call", "summary": "x", "lead": str(other_lead.pk)},
            format="json",
        )
        assert wrong.status_code == 400
        assert wrong.json()["error"]["code"] == "lead_not_found"
        bad_kind = api.post(
            f"{API}/leads/{crm.lead.pk}/interactions/",
            {"kind": "fax", "summary": "x"},
            format="json",
        )
        assert bad_kind.status_code == 400


def test_reminders_are_sent_once(crm):
    now = timezone.now()
    agent = crm.users["agent"]
    task = CrmTask.objects.create(
        organization=crm.org,
        title="Rappeler Awa",
        due_at=now + timedelta(hours=1),
        remind_at=now - timedelta(minutes=1),
        assignee=agent,
        lead=crm.lead,
        client=crm.client,
    )
    CrmTask.objects.create(  # done: never reminded
        organization=crm.org,
        title="Déjà fait",
        due_at=now + timedelta(hours=1),
        remind_at=now - timedelta(minutes=1),
        assignee=agent,
        done=True,
    )
    CrmTask.objects.create(  # not yet
        organization=crm.org,
        title="Plus tard",
        due_at=now + timedelta(days=2),
        remind_at=now + timedelta(days=1),
        assignee=agent,
    )
    job = periodic_jobs.get("realestate.task_reminders")
    assert job.function() == 1
    assert job.function() == 0
    sent = Notification.objects.filter(recipient=agent, kind=REMINDER)
    assert sent.count() == 1
    task.refresh_from_db()
    assert task.reminder_sent_at is not None

    # A new reminder time re-arms it: one more, once.
    response = crm.api["agent"].patch(
        f"{API}/tasks/{task.pk}/",
        {"remind_at": (now - timedelta(seconds=5)).isoformat()},
        format="json",
    )
    assert response.status_code == 200 and response.json()["reminder_sent_at"] is None
    assert job.function() == 1
    assert job.function() == 0
    assert sent.count() == 2
