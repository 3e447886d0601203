"""Check-in over HTTP: lists (staff), the online validate and its rules, scanner devices.
Every endpoint: success, bad input (4xx, nothing changed), another organisation (404),
a role too low (403)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role
from teranga.products.campus.models import (
    CheckinList,
    Scan,
    ScannerDevice,
    TicketPresence,
    TicketStatus,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket

API = "/api/v1/campus"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def door(campus):
    """An event of the university with two ticket types, a list admitting only
    "VIP", a list admitting every type; and a ticket of each type."""
    event = EventFactory(organization=campus.university)
    standard = TicketTypeFactory(event=event, name="Standard")
    vip = TicketTypeFactory(event=event, name="VIP")
    vip_list = CheckinList.objects.create(
        event=event, organization=campus.university, name="VIP door"
    )
    vip_list.ticket_types.set([vip])
    main = CheckinList.objects.create(event=event, organization=campus.university, name="Main")
    return {
        "event": event,
        "standard": standard,
        "vip": vip,
        "vip_list": vip_list,
        "main": main,
        "ticket": issued_ticket(standard, campus.student),
        "vip_ticket": issued_ticket(vip, campus.student2),
    }


def validate(client, code, lists, direction="entry"):
    return client.post(
        f"{API}/tickets/validate/",
        {"code": code, "lists": [str(x.pk) for x in lists], "direction": direction},
        format="json",
        **EN,
    )


# --- Lists ------------------------------------------------------------------------------


def test_manager_creates_lists_and_agents_read_them(campus, door, django_assert_max_num_queries):
    manager = campus.clients["manager"]
    response = manager.post(
        f"{API}/events/{door['event'].pk}/checkin-lists/",
        {"name": "Backstage", "ticket_types": [str(door["vip"].pk)], "record_exits": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket_types"] == [str(door["vip"].pk)]
    assert body["record_exits"] is True and body["allow_reentry"] is False
    agent = campus.clients["agent"]
    agent.get(f"{API}/events/{door['event'].pk}/checkin-lists/")  # warm the login
    with django_assert_max_num_queries(12):
        listed = agent.get(f"{API}/events/{door['event'].pk}/checkin-lists/")
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Backstage", "Main", "VIP door"]
    for i in range(10):
        CheckinList.objects.create(
            event=door["event"], organization=campus.university, name=f"Door {i:02}"
        ).ticket_types.set([door["vip"], door["standard"]])
    with django_assert_max_num_queries(12):
        assert agent.get(f"{API}/events/{door['event'].pk}/checkin-lists/").json()["count"] == 13


def test_list_writes_refused(campus, door):
    url = f"{API}/events/{door['event'].pk}/checkin-lists/"
    before = CheckinList.objects.count()
    # An agent may read, not write.
    assert campus.clients["agent"].post(url, {"name": "X"}, format="json").status_code == 403
    # Another organisation's manager: 404.
    other = campus.clients["other_manager"]
    response = other.post(url, {"name": "X"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "event_not_found"
    assert other.get(url).status_code == 404
    # A ticket type of another event.
    stranger = TicketTypeFactory(event=EventFactory(organization=campus.university))
    manager = campus.clients["manager"]
    response = manager.post(url, {"name": "X", "ticket_types": [str(stranger.pk)]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_ticket_types"
    # Unknown field, missing name.
    assert manager.post(url, {"name": "X", "colour": "red"}, format="json").status_code == 400
    assert manager.post(url, {}, format="json").status_code == 400
    # Students and anonymous.
    assert campus.clients["student"].get(url).status_code == 404
    assert CheckinList.objects.count() == before


def test_list_patch_and_delete(campus, door):
    manager = campus.clients["manager"]
    url = f"{API}/checkin-lists/{door['vip_list'].pk}/"
    response = manager.patch(url, {"allow_reentry": True, "ticket_types": []}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["allow_reentry"] is True and response.json()["ticket_types"] == []
    assert campus.clients["agent"].get(url).json()["name"] == "VIP door"
    assert campus.clients["agent"].patch(url, {"name": "Y"}, format="json").status_code == 403
    response = campus.clients["other_manager"].patch(url, {"name": "Y"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "checkin_list_not_found"
    assert manager.patch(url, {"name": ""}, format="json").status_code == 400
    door["vip_list"].refresh_from_db()
    assert door["vip_list"].name == "VIP door"
    # Delete: refused once a ticket was scanned on it.
    assert validate(campus.clients["agent"], door["ticket"].code, [door["main"]]).status_code == 200
    response = manager.delete(f"{API}/checkin-lists/{door['main'].pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "checkin_list_in_use"
    assert campus.clients["other_manager"].delete(url).status_code == 404
    assert manager.delete(url).status_code == 204
    assert not CheckinList.objects.filter(pk=door["vip_list"].pk).exists()


# --- Validate ---------------------------------------------------------------------------


def test_valid_then_already_in_with_who_and_when(campus, door):
    agent = campus.clients["agent"]
    code = door["ticket"].code
    first = validate(agent, f"TERANGA-CAMPUS:{code}", [door["vip_list"], door["main"]])
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["result"] == "valid"
    assert body["checkin_list"] == str(door["main"].pk)
    assert body["ticket"]["holder_name"] == "student@ucad.test"
    assert body["ticket"]["ticket_type_name"] == "Standard"
    assert body["checked_in_by"] == "agent@ucad.test"
    # Another agent, a little later: refused, told when (Dakar time, UTC+0) and by whom.
    Membership.objects.create(
        organization=campus.university, user=create_user("agent2@ucad.test"), role=Role.AGENT
    )
    other_agent = authed_client(Membership.objects.get(user__email="agent2@ucad.test").user)
    second = validate(other_agent, code.lower(), [door["main"]])
    assert second.json()["result"] == "already_in"
    admitted = datetime.fromisoformat(body["checked_in_at"]).astimezone(ZoneInfo("Africa/Dakar"))
    hhmm = admitted.strftime("%H:%M")
    assert second.json()["message"] == f"Already checked in at {hhmm} by agent@ucad.test."
    assert second.json()["checked_in_by"] == "agent@ucad.test"
    assert second.json()["checked_in_at"] == body["checked_in_at"]
    assert Scan.objects.filter(ticket=door["ticket"]).count() == 2
    presence = TicketPresence.objects.get(ticket=door["ticket"], checkin_list=door["main"])
    assert presence.inside and presence.last_scan.result == "valid"


def test_refusals(campus, door):
    agent = campus.clients["agent"]
    # A type the list does not admit.
    response = validate(agent, door["ticket"].code, [door["vip_list"]])
    assert response.json()["result"] == "not_on_list"
    assert response.json()["message"] == "This ticket is not valid on this list."
    # A ticket of another event of the organiser.
    elsewhere = issued_ticket(
        TicketTypeFactory(event=EventFactory(organization=campus.university)), campus.student
    )
    assert validate(agent, elsewhere.code, [door["main"]]).json()["result"] == "not_on_list"
    # Cancelled.
    door["vip_ticket"].status = TicketStatus.CANCELLED
    door["vip_ticket"].save()
    assert validate(agent, door["vip_ticket"].code, [door["main"]]).json()["result"] == "cancelled"
    # Unknown, and another organisation's ticket looks exactly the same.
    foreign = issued_ticket(
        TicketTypeFactory(event=EventFactory(organization=campus.other)), campus.outsider
    )
    for code in ("NOSUCHCODE", foreign.code):
        body = validate(agent, code, [door["main"]]).json()
        assert body["result"] == "unknown" and body["ticket"] is None
        assert body["message"] == "Unknown ticket."
    assert Scan.objects.filter(checkin_list__event=door["event"]).count() == 5
    assert not TicketPresence.objects.exists()


def test_reentry_rules(campus, door):
    agent = campus.clients["agent"]
    code = door["ticket"].code
    main = door["main"]
    # No re-entry: the second entry is refused, even after an exit.
    assert validate(agent, code, [main]).json()["result"] == "valid"
    exit_ = validate(agent, code, [main], direction="exit").json()
    assert exit_["result"] == "valid" and exit_["message"] == "Exit recorded."
    assert validate(agent, code, [main]).json()["result"] == "already_in"
    # Re-entry with exits recorded: only after an exit.
    main.allow_reentry = True
    main.record_exits = True
    main.save()
    assert validate(agent, code, [main]).json()["result"] == "valid"
    assert validate(agent, code, [main]).json()["result"] == "already_in"
    assert validate(agent, code, [main], direction="exit").json()["result"] == "valid"
    assert validate(agent, code, [main]).json()["result"] == "valid"
    # Re-entry without exits: every entry is valid.
    main.record_exits = False
    main.save()
    assert validate(agent, code, [main]).json()["result"] == "valid"


def test_validate_permissions_and_bad_input(campus, door):
    code = door["ticket"].code
    # Students, another organiser's manager: the lists do not exist for them.
    for name in ("student", "other_manager"):
        response = validate(campus.clients[name], code, [door["main"]])
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "checkin_list_not_found"
    # A plain member of the organiser: 403.
    member = create_user("member@ucad.test")
    Membership.objects.create(organization=campus.university, user=member, role=Role.MEMBER)
    assert validate(authed_client(member), code, [door["main"]]).status_code == 403
    # Anonymous: 401.
    from rest_framework.test import APIClient

    assert validate(APIClient(), code, [door["main"]]).status_code == 401
    agent = campus.clients["agent"]
    # Lists of two organisers.
    foreign_list = CheckinList.objects.create(
        event=EventFactory(organization=campus.other), organization=campus.other, name="X"
    )
    Membership.objects.create(organization=campus.other, user=campus.agent, role=Role.AGENT)
    response = validate(agent, code, [door["main"], foreign_list])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_checkin_lists"
    # Shape errors.
    url = f"{API}/tickets/validate/"
    for body in (
        {"code": code},
        {"code": code, "lists": []},
        {"code": code, "lists": ["nope"]},
        {"code": code, "lists": [str(door["main"].pk)], "direction": "sideways"},
        {"code": code, "lists": [str(door["main"].pk)], "extra": 1},
    ):
        assert agent.post(url, body, format="json").status_code == 400, body
    assert not Scan.objects.exists()


# --- Scanner devices --------------------------------------------------------------------


def test_scanner_devices(campus, door):
    manager = campus.clients["manager"]
    url = f"{API}/organizations/{campus.university.pk}/scanners/"
    response = manager.post(url, {"name": "Porte A"}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    token = created["token"]
    assert token.startswith("tcs_")
    assert created["setup_code"] == f"{token}.{created['signing_key']}"
    device = ScannerDevice.objects.get(pk=created["id"])
    assert token not in device.token_hash and len(device.token_hash) == 64
    listed = manager.get(url).json()
    assert listed["count"] == 1 and "token" not in listed["results"][0]
    # The device syncs with its token.
    from rest_framework.test import APIClient

    scanner = APIClient()
    scanner.credentials(HTTP_AUTHORIZATION=f"Scanner {token}")
    sync = f"{API}/scanner/sync/?event={door['event'].pk}"
    assert scanner.get(sync).status_code == 200
    # Permissions and isolation.
    assert campus.clients["agent"].post(url, {"name": "X"}, format="json").status_code == 403
    assert campus.clients["agent"].get(url).status_code == 403
    assert campus.clients["other_manager"].get(url).status_code == 404
    assert manager.post(url, {}, format="json").status_code == 400
    other_url = f"{API}/organizations/{campus.other.pk}/scanners/{device.pk}/"
    assert campus.clients["other_manager"].delete(other_url).status_code == 404
    assert ScannerDevice.objects.count() == 1
    # A user's JWT is not a scanner token.
    assert campus.clients["manager"].get(sync).status_code == 401
    # Revoked: 401 from now on.
    assert manager.delete(f"{url}{device.pk}/").status_code == 204
    assert manager.delete(f"{url}{device.pk}/").status_code == 204
    response = scanner.get(sync)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


# --- The scanner page -------------------------------------------------------------------


def test_scanner_page_and_its_worker(client):
    page = client.get("/campus/scan/?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ticket scanner" in html and 'id="scan-strings"' in html
    assert "campus/vendor/jsQR" in html and "campus/scan" in html
    worker = client.get("/campus/scan-sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/campus/"
    body = worker.content.decode()
    assert "__PRECACHE__" not in body and '"/campus/scan/"' in body and "jsQR" in body
