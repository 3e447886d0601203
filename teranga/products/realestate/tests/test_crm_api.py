"""The CRM over HTTP: clients (with contacts, consent, search), the pipeline per agency,
leads (create, move, assign, score), the automation on assignment, who may do what (403
for a low role or another agent's lead, 404 across agencies), and bad input (400, nothing
changed)."""

from __future__ import annotations

import json

import pytest

from teranga.platform.notifications.models import Notification
from teranga.products.realestate.models import (
    Client,
    CrmTask,
    Lead,
    LeadStageChange,
    PipelineStage,
    TaskOrigin,
)
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

API = "/api/v1/realestate"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db


def org_url(organization, what: str) -> str:
    return f"{API}/organizations/{organization.pk}/{what}/"


def new_client(agency, who="agent", **extra):
    body = {
        "name": "Awa Diop",
        "email": "  Awa.Diop@Example.COM ",
        "phone": "77 123 45 67",
        "consent_given": True,
        "consent_email": True,
        "consent_whatsapp": True,
        **extra,
    }
    response = agency.api[who].post(org_url(agency.org, "clients"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def new_lead(agency, client_id, who="agent", **extra):
    body = {"client": client_id, "source": "website", **extra}
    response = agency.api[who].post(org_url(agency.org, "leads"), body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def stages(agency, organization=None, who="agent") -> list[dict]:
    response = agency.api[who].get(org_url(organization or agency.org, "pipeline-stages"))
    assert response.status_code == 200, response.content
    return response.json()


# --- Clients ---------------------------------------------------------------------------------


def test_clients_crud_search_and_consent(agency):
    data = new_client(agency)
    assert data["email"] == "awa.diop@example.com"
    assert data["phone"] == "+221771234567"
    assert data["consent"]["active"] is True and data["consent"]["given_at"]
    assert data["consent"]["email"] is True and data["consent"]["sms"] is False
    stored = Client.objects.get(pk=data["id"])
    assert stored.phone_hash and stored.organization_id == agency.org.pk
    other = new_client(agency, name="Moussa Sow", email="", phone="", consent_given=False)

    api = agency.api["agent2"]  # every agent reads the agency's clients

    def found(q):
        results = api.get(org_url(agency.org, "clients"), {"q": q}).json()["results"]
        return [c["id"] for c in results]

    assert found("+221 77 123 45 67") == [data["id"]]
    assert found("diop") == [data["id"]]
    assert found("example.com") == [data["id"]]
    assert found("sow") == [other["id"]]
    assert found("nobody") == []
    page = api.get(org_url(agency.org, "clients"), {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]

    withdrawn = api.patch(f"{API}/clients/{data['id']}/", {"consent_given": False}, format="json")
    assert withdrawn.status_code == 200, withdrawn.content
    consent = withdrawn.json()["consent"]
    assert consent["active"] is False and consent["withdrawn_at"] and consent["given_at"]

    assert agency.api["agent"].delete(f"{API}/clients/{data['id']}/").status_code == 403
    assert agency.api["plain"].get(f"{API}/clients/{data['id']}/").status_code == 403
    assert agency.api["manager"].delete(f"{API}/clients/{data['id']}/").status_code == 204
    assert not Client.objects.filter(pk=data["id"]).exists()


def test_company_contacts(agency):
    company = new_client(agency, kind="company", name="SONATEL", phone="", email="")
    url = f"{API}/clients/{company['id']}/contacts/"
    api = agency.api["agent"]
    added = api.post(
        url, {"name": "Fatou Ba", "role": "DAF", "phone": "+221 76 000 11 22"}, format="json"
    )
    assert added.status_code == 201, added.content
    contact = added.json()
    assert contact["phone"] == "+221760001122"
    changed = api.patch(f"{url}{contact['id']}/", {"email": "F.Ba@Sonatel.SN"}, format="json")
    assert changed.json()["email"] == "f.ba@sonatel.sn"
    detail = api.get(f"{API}/clients/{company['id']}/").json()
    assert [c["name"] for c in detail["contacts"]] == ["Fatou Ba"]
    # Found by the contact's phone.
    found = api.get(org_url(agency.org, "clients"), {"q": "760001122"}).json()["results"]
    assert [c["id"] for c in found] == [company["id"]]
    assert api.delete(f"{url}{contact['id']}/").status_code == 204
    assert api.get(url).json() == []


def test_bad_client_input_is_400_and_changes_nothing(agency):
    url = org_url(agency.org, "clients")
    with unchanged(Client):
        bad_phone = agency.api["agent"].post(url, {"name": "X", "phone": "12"}, format="json", **EN)
        assert bad_phone.status_code == 400
        assert bad_phone.json()["error"]["code"] == "invalid_phone"
        unknown = agency.api["agent"].post(url, {"name": "X", "vip": True}, format="json")
        assert unknown.status_code == 400
        too_long = agency.api["agent"].post(url, {"name": "x" * 201}, format="json")
        assert too_long.status_code == 400 and "name" in too_long.json()["error"]["fields"]
        no_account = agency.api["agent"].post(
            url, {"name": "X", "email": "nobody@example.test", "link_account": True}, format="json"
        )
        assert no_account.status_code == 400


def test_client_linked_to_an_account_is_in_its_gdpr_export(agency):
    user = agency.users["client"]
    data = new_client(agency, email=user.email.upper(), link_account=True)
    assert data["user"] == str(user.pk)
    from conftest import authed_client

    exported = authed_client(user).get("/api/v1/me/export/")
    assert exported.status_code == 200, exported.content
    section = json.loads(exported.content)["products"]["realestate.crm"]
    assert [row["id"] for row in section["clients"]] == [data["id"]]
    assert section["clients"][0]["consent_email"] is True


# --- Isolation -------------------------------------------------------------------------------


def test_another_agency_gets_404(agency):
    client = new_client(agency)
    lead = new_lead(agency, client["id"])
    outsider = agency.api["other_manager"]
    for url, code in (
        (f"{API}/clients/{client['id']}/", "client_not_found"),
        (f"{API}/clients/{client['id']}/contacts/", "client_not_found"),
        (f"{API}/clients/{client['id']}/interactions/", "client_not_found"),
        (f"{API}/leads/{lead['id']}/", "lead_not_found"),
        (f"{API}/leads/{lead['id']}/history/", "lead_not_found"),
        (org_url(agency.org, "clients"), "organization_not_found"),
        (org_url(agency.org, "leads"), "organization_not_found"),
        (org_url(agency.org, "tasks"), "organization_not_found"),
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == code
    with unchanged(Lead):
        moved = outsider.post(
            f"{API}/leads/{lead['id']}/move/", {"stage": lead["stage"]["id"]}, format="json"
        )
        assert moved.status_code == 404
    # A client of the other agency cannot be used in this one's lead.
    theirs = Client.objects.create(organization=agency.other, name="Elsewhere")
    response = agency.api["agent"].post(
        org_url(agency.org, "leads"), {"client": str(theirs.pk), "source": "phone"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "client_not_found"
    # Staff do not read the CRM (personal data).
    assert agency.api["staff"].get(f"{API}/clients/{client['id']}/").status_code == 404


# --- Pipeline --------------------------------------------------------------------------------


def test_pipeline_is_per_agency(agency):
    default = stages(agency)
    assert [(s["order"], s["kind"]) for s in default] == [
        (0, "open"),
        (1, "open"),
        (2, "open"),
        (3, "open"),
        (4, "won"),
        (5, "lost"),
    ]
    url = org_url(agency.org, "pipeline-stages")
    assert agency.api["agent"].post(url, {"name": "Notaire"}, format="json").status_code == 403
    added = agency.api["admin"].post(url, {"name": "Notaire", "position": 4}, format="json")
    assert added.status_code == 201, added.content
    names = [s["name"] for s in stages(agency)]
    assert names[4] == "Notaire" and len(names) == 7
    # The other agency keeps its own default pipeline.
    assert len(stages(agency, agency.other, who="other_manager")) == 6

    with unchanged(PipelineStage):
        taken = agency.api["admin"].post(url, {"name": "notaire"}, format="json")
        assert taken.status_code == 400
        assert taken.json()["error"]["code"] == "stage_name_taken"
        partial = agency.api["admin"].post(
            f"{url}reorder/", {"stages": [names and default[0]["id"]]}, format="json"
        )
        assert partial.status_code == 400

    renamed = agency.api["admin"].patch(
        f"{API}/pipeline-stages/{added.json()['id']}/", {"name": "Chez le notaire"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Chez le notaire"
    other_admin = agency.api["other_manager"].patch(
        f"{API}/pipeline-stages/{added.json()['id']}/", {"name": "x"}, format="json"
    )
    assert other_admin.status_code == 404

    ids = [s["id"] for s in stages(agency)]
    reordered = agency.api["admin"].post(f"{url}reorder/", {"stages": ids[::-1]}, format="json")
    assert reordered.status_code == 200, reordered.content
    assert [s["id"] for s in stages(agency)] == ids[::-1]


# --- Leads -----------------------------------------------------------------------------------


def test_lead_moves_through_the_pipeline_with_history(agency):
    client = new_client(agency)
    prop = PropertyFactory(organization=agency.org)
    lead = new_lead(agency, client["id"], property=str(prop.pk), budget_max=80_000_000)
    pipeline = stages(agency)
    assert lead["agent"]["id"] == str(agency.users["agent"].pk)
    assert lead["stage"]["id"] == pipeline[0]["id"]
    assert lead["property"]["id"] == str(prop.pk)

    api = agency.api["agent"]
    moved = api.post(f"{API}/leads/{lead['id']}/move/", {"stage": pipeline[2]["id"]}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"]["id"] == pipeline[2]["id"]
    history = api.get(f"{API}/leads/{lead['id']}/history/").json()["results"]
    assert [(h["from_name"], h["to_name"]) for h in history] == [
        (pipeline[0]["name"], pipeline[2]["name"]),
        ("", pipeline[0]["name"]),
    ]
    assert history[0]["actor"]["id"] == str(agency.users["agent"].pk)

    listed = api.get(org_url(agency.org, "leads"), {"stage": pipeline[2]["id"]}).json()
    assert [row["id"] for row in listed["results"]] == [lead["id"]]
    assert api.get(org_url(agency.org, "leads"), {"source": "portal"}).json()["results"] == []

    # Another agent neither sees nor works it; the manager sees every lead.
    assert agency.api["agent2"].get(f"{API}/leads/{lead['id']}/").status_code == 403
    assert agency.api["agent2"].get(org_url(agency.org, "leads")).json()["results"] == []
    mine = agency.api["manager"].get(
        org_url(agency.org, "leads"), {"agent": str(agency.users["agent"].pk)}
    )
    assert [row["id"] for row in mine.json()["results"]] == [lead["id"]]

    # A stage of another agency's pipeline is refused, nothing changes.
    theirs = stages(agency, agency.other, who="other_manager")[1]["id"]
    with unchanged(Lead), unchanged(LeadStageChange):
        refused = api.post(f"{API}/leads/{lead['id']}/move/", {"stage": theirs}, format="json")
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "stage_not_found"
        budget = api.patch(
            f"{API}/leads/{lead['id']}/", {"budget_min": 90_000_000}, format="json", **EN
        )
        assert budget.status_code == 400
        created = api.post(
            org_url(agency.org, "leads"),
            {"client": client["id"], "source": "phone", "stage": theirs},
            format="json",
        )
        assert created.status_code == 400
    assert agency.api["agent"].delete(f"{API}/leads/{lead['id']}/").status_code == 403
    assert agency.api["manager"].delete(f"{API}/leads/{lead['id']}/").status_code == 204


def test_score_is_explained(agency):
    client = new_client(agency)  # phone, email and consent: 25
    lead = new_lead(agency, client["id"], source="referral")  # 30
    assert lead["score"] == 55
    api = agency.api["agent"]
    for kind in ("call", "whatsapp"):
        response = api.post(
            f"{API}/leads/{lead['id']}/interactions/",
            {"kind": kind, "summary": "Intéressée par Mermoz"},
            format="json",
        )
        assert response.status_code == 201, response.content
    scored = api.patch(
        f"{API}/leads/{lead['id']}/", {"budget_max": 50_000_000}, format="json", **EN
    ).json()
    assert scored["score"] == 30 + 25 + 10 + 20
    details = {d["signal"]: d for d in scored["score_details"]}
    assert details["source"] == {
        "signal": "source",
        "label": "Source of the lead",
        "points": 30,
        "max": 30,
        "facts": ["referral"],
    }
    assert details["client_completeness"]["facts"] == ["phone", "email", "consent"]
    assert details["recent_interactions"]["points"] == 10
    assert details["recent_interactions"]["facts"] == ["2"]
    assert details["budget"]["points"] == 20
    assert sum(d["points"] for d in scored["score_details"]) == scored["score"]


# --- Automation on assignment ----------------------------------------------------------------


def test_assignment_creates_a_task_and_notifies_the_agent(agency):
    client = new_client(agency)
    agent, agent2 = agency.users["agent"], agency.users["agent2"]
    lead = new_lead(agency, client["id"], who="manager", agent=str(agent.pk))
    task = CrmTask.objects.get(lead_id=lead["id"])
    assert task.assignee == agent and task.origin == TaskOrigin.ASSIGNMENT
    assert (
        Notification.objects.filter(recipient=agent, kind="realestate.lead_assigned").count() == 1
    )

    # An agent gives no lead to someone else.
    with unchanged(Lead), unchanged(CrmTask):
        refused = agency.api["agent"].post(
            f"{API}/leads/{lead['id']}/assign/", {"agent": str(agent2.pk)}, format="json"
        )
        assert refused.status_code == 403
        plain = agency.api["manager"].post(
            f"{API}/leads/{lead['id']}/assign/",
            {"agent": str(agency.users["plain"].pk)},
            format="json",
        )
        assert plain.status_code == 400
        assert plain.json()["error"]["code"] == "agent_not_member"

    moved = agency.api["manager"].post(
        f"{API}/leads/{lead['id']}/assign/", {"agent": str(agent2.pk)}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["agent"]["id"] == str(agent2.pk)
    assert CrmTask.objects.filter(lead_id=lead["id"], assignee=agent2).count() == 1
    assert Notification.objects.filter(recipient=agent2, kind="realestate.lead_assigned").exists()

    # Turned off by the agency's admin: no task, no notification.
    settings_url = org_url(agency.org, "crm-automation")
    assert agency.api["manager"].patch(settings_url, {}, format="json").status_code == 403
    off = agency.api["admin"].patch(
        settings_url, {"assignment_task": False, "assignment_notify": False}, format="json"
    )
    assert off.status_code == 200 and off.json()["assignment_task"] is False
    with unchanged(CrmTask), unchanged(Notification):
        back = agency.api["manager"].post(
            f"{API}/leads/{lead['id']}/assign/", {"agent": str(agent.pk)}, format="json"
        )
        assert back.status_code == 200


def test_agent_takes_an_unassigned_lead(agency):
    client = new_client(agency)
    lead = new_lead(agency, client["id"], who="manager", agent=None)
    assert lead["agent"] is None and not CrmTask.objects.exists()
    api = agency.api["agent2"]
    pool = api.get(org_url(agency.org, "leads"), {"unassigned": "true"}).json()["results"]
    assert [row["id"] for row in pool] == [lead["id"]]
    me = str(agency.users["agent2"].pk)
    taken = api.post(f"{API}/leads/{lead['id']}/assign/", {"agent": me}, format="json")
    assert taken.status_code == 200 and taken.json()["agent"]["id"] == me
    # Their own task; no notification for assigning themselves.
    assert CrmTask.objects.get(lead_id=lead["id"]).assignee_id == agency.users["agent2"].pk
    assert not Notification.objects.filter(kind="realestate.lead_assigned").exists()
