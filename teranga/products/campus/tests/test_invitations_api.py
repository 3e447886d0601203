"""Event invitations through HTTP: invite by user or email, notify, accept / decline,
invite-only visibility, permissions, bad input changes nothing."""

from __future__ import annotations

import uuid

import pytest
from allauth.account.models import EmailAddress

from conftest import authed_client, create_user
from teranga.platform.notifications.models import Notification
from teranga.products.campus.models import EventInvitation, EventVisibility

from .ticket_support import assert_error, event_of, free_type, order

BASE = "/api/v1/campus"


def invite(client, event, body):
    return client.post(f"{BASE}/events/{event.pk}/invitations/", body, format="json")


@pytest.fixture
def private_event(campus):
    return event_of(campus, visibility=EventVisibility.INVITE)


def test_invite_a_user_notifies_them_and_shows_the_event(campus, private_event):
    student = campus.clients["student"]
    assert student.get(f"{BASE}/events/{private_event.pk}/").status_code == 404
    response = invite(campus.clients["manager"], private_event, {"user": str(campus.student.pk)})
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["status"] == "pending" and body["user"]["id"] == str(campus.student.pk)
    assert len(body["code"]) == 16
    notice = Notification.objects.get(recipient=campus.student, kind="campus.event_invited")
    assert f"/o/campus.invitation/{body['id']}/" in notice.link
    # pending: the invitee sees the invite-only event and can buy; a stranger cannot
    assert student.get(f"{BASE}/events/{private_event.pk}/").status_code == 200
    assert campus.clients["student2"].get(f"{BASE}/events/{private_event.pk}/").status_code == 404
    ticket_type = free_type(private_event)
    assert order(student, private_event, (ticket_type, 1)).status_code == 201
    assert_error(
        order(campus.clients["student2"], private_event, (ticket_type, 1)), 404, "event_not_found"
    )
    mine = student.get(f"{BASE}/me/invitations/").json()["results"]
    assert [row["code"] for row in mine] == [body["code"]]
    accepted = student.post(f"{BASE}/invitations/{body['code']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    declined = student.post(f"{BASE}/invitations/{body['code']}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"


def test_a_declined_invitation_hides_the_event_again(campus, private_event):
    invite(campus.clients["manager"], private_event, {"user": str(campus.student2.pk)})
    client = campus.clients["student2"]
    assert client.get(f"{BASE}/events/{private_event.pk}/").status_code == 200
    code = EventInvitation.objects.get().code
    assert client.post(f"{BASE}/invitations/{code.lower()}/decline/").status_code == 200
    assert client.get(f"{BASE}/events/{private_event.pk}/").status_code == 404


def test_invite_an_unknown_email_then_the_signed_up_user_accepts(campus, private_event):
    response = invite(campus.clients["manager"], private_event, {"email": "New@Example.test"})
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["user"] is None and body["email"] == "new@example.test"
    notice = Notification.objects.get(kind="campus.event_invited")
    assert notice.recipient_id is None and notice.email == "new@example.test"
    newcomer = create_user("new@example.test")
    client = authed_client(newcomer)
    assert [row["id"] for row in client.get(f"{BASE}/me/invitations/").json()["results"]] == [
        body["id"]
    ]
    # somebody else's code is 404
    assert_error(
        campus.clients["student"].post(f"{BASE}/invitations/{body['code']}/accept/"),
        404,
        "invitation_not_found",
    )
    accepted = client.post(f"{BASE}/invitations/{body['code']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["user"]["id"] == str(newcomer.pk)
    assert client.get(f"{BASE}/events/{private_event.pk}/").status_code == 200


def test_an_unverified_email_does_not_match(campus, private_event):
    invite(campus.clients["manager"], private_event, {"email": "late@example.test"})
    late = create_user("late@example.test")
    client = authed_client(late)
    EmailAddress.objects.filter(user=late).update(verified=False)
    assert client.get(f"{BASE}/me/invitations/").json()["results"] == []


def test_an_email_of_a_registered_user_invites_that_user(campus, private_event):
    response = invite(campus.clients["manager"], private_event, {"email": "STUDENT2@ucad.test"})
    assert response.status_code == 201
    assert response.json()[0]["user"]["id"] == str(campus.student2.pk)
    assert Notification.objects.filter(recipient=campus.student2).count() == 1


def test_bulk_invite_and_staff_list(campus, private_event, django_assert_max_num_queries):
    entries = [{"email": f"guest{i}@example.test"} for i in range(5)]
    entries.append({"user": str(campus.student.pk)})
    response = invite(campus.clients["manager"], private_event, {"invitations": entries})
    assert response.status_code == 201, response.content
    assert len(response.json()) == 6
    assert len({row["code"] for row in response.json()}) == 6
    with django_assert_max_num_queries(12):
        listed = campus.clients["manager"].get(f"{BASE}/events/{private_event.pk}/invitations/")
    assert listed.status_code == 200 and listed.json()["count"] == 6
    invite(
        campus.clients["manager"],
        private_event,
        {"invitations": [{"user": str(u.pk)} for u in (campus.student2, campus.outsider)]},
    )
    with django_assert_max_num_queries(12):
        listed = campus.clients["manager"].get(f"{BASE}/events/{private_event.pk}/invitations/")
    assert listed.json()["count"] == 8


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({}, 400, "invalid"),
        ({"user": "nope"}, 400, "invalid"),
        ({"email": "not-an-email"}, 400, "invalid"),
        ({"user": str(uuid.uuid4())}, 400, "user_not_found"),
        ({"invitations": []}, 400, "invalid"),
        ({"invitations": [{"email": f"g{i}@x.test"} for i in range(51)]}, 400, "invalid"),
        ({"invitations": [{"email": "a@x.test"}, {"email": "A@x.test"}]}, 400, "invalid"),
        ({"email": "a@x.test", "user": str(uuid.uuid4())}, 400, "invalid"),
        ({"email": "a@x.test", "extra": 1}, 400, "invalid"),
    ],
)
def test_bad_input_changes_nothing(campus, private_event, body, status, code):
    assert_error(invite(campus.clients["manager"], private_event, body), status, code)
    assert not EventInvitation.objects.exists()
    assert not Notification.objects.exists()


def test_already_invited_is_409_and_all_or_nothing(campus, private_event):
    manager = campus.clients["manager"]
    assert invite(manager, private_event, {"user": str(campus.student.pk)}).status_code == 201
    response = invite(
        manager,
        private_event,
        {"invitations": [{"email": "fresh@x.test"}, {"email": "student@ucad.test"}]},
    )
    assert_error(response, 409, "already_invited")
    assert EventInvitation.objects.count() == 1


def test_permissions(campus, private_event, api):
    body = {"user": str(campus.student.pk)}
    url = f"{BASE}/events/{private_event.pk}/invitations/"
    assert_error(invite(campus.clients["agent"], private_event, body), 403)
    assert_error(campus.clients["agent"].get(url), 403)
    assert_error(
        invite(campus.clients["other_manager"], private_event, body), 404, "event_not_found"
    )
    assert_error(campus.clients["other_manager"].get(url), 404, "event_not_found")
    assert_error(invite(campus.clients["student"], private_event, body), 404, "event_not_found")
    missing = campus.clients["manager"].post(
        f"{BASE}/events/{uuid.uuid4()}/invitations/", body, format="json"
    )
    assert_error(missing, 404, "event_not_found")
    assert api.post(url, body, format="json").status_code == 401
    assert api.get(f"{BASE}/me/invitations/").status_code == 401
    assert api.post(f"{BASE}/invitations/ABC/accept/").status_code == 401
    assert not EventInvitation.objects.exists()
    assert_error(
        campus.clients["student"].post(f"{BASE}/invitations/NOPE/decline/"),
        404,
        "invitation_not_found",
    )
