"""A signed-in person's own saved searches over HTTP: created with a verified agency (the
agency's CRM record of them made and linked), listed, changed, paused and resumed,
deleted; they feed the agency's matching and alerts (an instant alert reaches their
account); nobody else sees or touches them (404), unverified agencies and bad input are
refused (400, nothing changed), the per-person cap, no token 401."""

from __future__ import annotations

import pytest

from conftest import authed_client, create_user
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import VerificationStatus
from teranga.products.realestate.models import Client, ClientRequest, MatchHit
from teranga.products.realestate.services.requests import MAX_SAVED_SEARCHES
from teranga.products.realestate.tests.factories import AgencyFactory, PropertyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

API = "/api/v1/realestate"
URL = f"{API}/me/saved-searches/"


def body(agency_org, **extra) -> dict:
    return {
        "organization": str(agency_org.pk),
        "transaction": "sale",
        "property_types": ["apartment"],
        "budget_max": 70_000_000,
        "currency": "XOF",
        "alert_frequency": "weekly",
        **extra,
    }


def test_create_list_edit_pause_delete(agency):
    me = agency.api["client"]
    response = me.post(URL, body(agency.org), format="json")
    assert response.status_code == 201, response.content
    search = response.json()
    assert search["organization"] == {"id": str(agency.org.pk), "name": agency.org.name}
    assert (search["alert_frequency"], search["active"]) == ("weekly", True)
    assert "client" not in search and "lead" not in search
    # The agency's CRM record of me, linked to my account; the agency sees the request.
    record = Client.objects.get(organization=agency.org, user=agency.users["client"])
    req = ClientRequest.objects.get(pk=search["id"])
    assert req.client == record and req.created_by == agency.users["client"]
    staff_view = agency.api["agent"].get(f"{API}/organizations/{agency.org.pk}/requests/")
    assert [row["id"] for row in staff_view.json()["results"]] == [search["id"]]
    # A second one reuses the same record.
    second = me.post(
        URL, body(agency.org, transaction="rent", alert_frequency="instant"), format="json"
    )
    assert second.status_code == 201, second.content
    assert Client.objects.filter(organization=agency.org, user=agency.users["client"]).count() == 1
    listed = me.get(URL)
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {search["id"], second.json()["id"]}
    one = f"{URL}{search['id']}/"
    assert me.get(one).json()["budget_max"] == 70_000_000
    # Edit, pause, resume.
    edited = me.patch(one, {"budget_max": 80_000_000, "alert_frequency": "daily"}, format="json")
    assert edited.status_code == 200, edited.content
    assert (edited.json()["budget_max"], edited.json()["alert_frequency"]) == (80_000_000, "daily")
    paused = me.patch(one, {"active": False}, format="json")
    assert paused.json()["active"] is False
    assert [row["id"] for row in me.get(URL, {"active": "false"}).json()["results"]] == [
        search["id"]
    ]
    assert me.patch(one, {"active": True}, format="json").json()["active"] is True
    # Delete.
    assert me.delete(one).status_code == 204
    assert not ClientRequest.objects.filter(pk=search["id"]).exists()
    assert me.get(one).status_code == 404


def test_an_instant_saved_search_alerts_its_owner(agency, django_capture_on_commit_callbacks):
    me = agency.api["client"]
    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(URL, body(agency.org, alert_frequency="instant"), format="json")
    assert response.status_code == 201, response.content
    with django_capture_on_commit_callbacks(execute=True):
        created = agency.api["agent"].post(
            f"{API}/organizations/{agency.org.pk}/properties/",
            {
                "property_type": "apartment",
                "transaction": "sale",
                "status": "available",
                "title": "Appartement à Fann",
                "price": 65_000_000,
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    hit = MatchHit.objects.get(request_id=response.json()["id"])
    assert str(hit.property_id) == created.json()["id"] and hit.notified_at is not None
    notice = Notification.objects.get(recipient=agency.users["client"])
    assert notice.kind == "realestate.match_found"


def test_nobody_else_sees_or_changes_them(agency):
    mine = agency.api["client"].post(URL, body(agency.org), format="json").json()
    one = f"{URL}{mine['id']}/"
    stranger = authed_client(create_user("stranger@example.test"))
    req = ClientRequest.objects.filter(pk=mine["id"])
    with unchanged(req):
        assert stranger.get(one).status_code == 404
        assert stranger.patch(one, {"active": False}, format="json").status_code == 404
        assert stranger.delete(one).status_code == 404
        assert stranger.get(URL).json()["results"] == []
        # The agency's staff work it in the CRM, not through my own list.
        assert agency.api["manager"].get(one).status_code == 404
    # The agency's staff-made request for a client that is not linked to me: not mine.
    other_client = Client.objects.create(organization=agency.org, name="Quelqu'un")
    ClientRequest.objects.create(organization=agency.org, client=other_client, transaction="sale")
    assert [row["id"] for row in agency.api["client"].get(URL).json()["results"]] == [mine["id"]]
    # No token.
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, body(agency.org), format="json").status_code == 401


def test_refused_agencies_and_bad_input(agency):
    me = agency.api["client"]
    unverified = AgencyFactory(verification_status=VerificationStatus.PENDING)
    with unchanged(ClientRequest, Client):
        for payload in (
            body(unverified),
            body(agency.org, organization="00000000-0000-4000-8000-000000000000"),
        ):
            response = me.post(URL, payload, format="json")
            assert response.status_code == 400, response.content
            assert response.json()["error"]["code"] == "organization_not_found"
        for bad in (
            {"alert_frequency": "none"},
            {"transaction": "barter"},
            {"budget_min": 10, "budget_max": 5},
            {"zones": [{"lat": 95, "lng": 0, "radius_km": 1}]},
            {"zones": [{"lat": 14.7, "lng": -17.4, "radius_km": 1, "label": "x" * 81}]},
            {"currency": "USD"},
        ):
            response = me.post(URL, body(agency.org, **bad), format="json")
            assert response.status_code == 400, (bad, response.content)
    mine = me.post(URL, body(agency.org), format="json").json()
    with unchanged(ClientRequest.objects.filter(pk=mine["id"])):
        response = me.patch(f"{URL}{mine['id']}/", {"budget_min": 90_000_000}, format="json")
        assert response.status_code == 400


def test_per_person_cap(agency):
    record = Client.objects.create(organization=agency.org, name="Awa", user=agency.users["client"])
    ClientRequest.objects.bulk_create(
        [
            ClientRequest(organization=agency.org, client=record, transaction="sale")
            for _ in range(MAX_SAVED_SEARCHES)
        ]
    )
    with unchanged(ClientRequest):
        response = agency.api["client"].post(URL, body(agency.org), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_saved_searches"


def test_an_unverified_agency_i_am_a_client_of(agency):
    pending = AgencyFactory(verification_status=VerificationStatus.PENDING)
    Client.objects.create(organization=pending, name="Awa", user=agency.users["client"])
    response = agency.api["client"].post(URL, body(pending), format="json")
    assert response.status_code == 201, response.content
    PropertyFactory(organization=pending)  # its listings are not public; mine still work
    assert agency.api["client"].get(URL).json()["results"][0]["organization"]["id"] == str(
        pending.pk
    )


def test_the_list_costs_the_same_queries_whatever_its_length(agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = Client.objects.create(organization=agency.org, name="Awa", user=agency.users["client"])
    me = agency.api["client"]
    me.get(URL)  # the login's own first queries

    def listed() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = me.get(URL)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    def add(count: int) -> None:
        ClientRequest.objects.bulk_create(
            [
                ClientRequest(
                    organization=agency.org,
                    client=record,
                    transaction="sale",
                    zones=[{"lat": 14.7, "lng": -17.4, "radius_km": 2, "label": "Fann"}],
                )
                for _ in range(count)
            ]
        )

    add(2)
    few, shown = listed()
    assert shown == 2
    add(10)
    many, shown = listed()
    assert shown == 12 and many == few


def test_my_saved_searches_are_in_my_personal_data_export(agency):
    me = agency.api["client"]
    created = me.post(URL, body(agency.org, alert_frequency="daily"), format="json")
    assert created.status_code == 201, created.content
    exported = me.get("/api/v1/me/export/")
    assert exported.status_code == 200
    searches = exported.json()["products"]["realestate.requests"]["requests"]
    assert [(r["id"], r["agency"], r["budget_max"], r["alert_frequency"]) for r in searches] == [
        (created.json()["id"], agency.org.name, 70_000_000, "daily")
    ]
    # Nobody else's export holds it.
    other = agency.api["agent"].get("/api/v1/me/export/").json()["products"]
    assert other["realestate.requests"] == {"requests": []}
