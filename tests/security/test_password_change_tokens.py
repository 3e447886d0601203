"""Issue 15, defect 6: changing the password through the app's API hands back a new token
pair for the current session (allauth's ``meta.access_token`` / ``meta.refresh_token``)
and ends the user's other sessions, their JWTs and their usersessions rows.

Why the tokens died: Django rotates the session key on a password change
(``update_session_auth_hash`` -> ``cycle_key``), and allauth's JWTs name the session by
its key."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from rest_framework.test import APIClient

from conftest import AUTH, DEFAULT_PASSWORD, authed_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
CHANGE = f"{AUTH}/account/password/change"
NEW_PASSWORD = "Another-Strong-Pass-2027?"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def refresh(token: str):
    return APIClient().post(f"{AUTH}/tokens/refresh", {"refresh_token": token}, format="json")


def test_password_change_returns_a_working_pair_and_ends_other_sessions(make_user):
    user = make_user("rotate@example.com")
    phone = authed_client(user)
    laptop = authed_client(user)
    assert UserSession.objects.filter(user=user).count() == 2

    answer = phone.post(
        CHANGE,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    meta = answer.json()["meta"]
    assert meta["is_authenticated"] is True
    assert meta["access_token"] and meta["refresh_token"]

    # The new pair works, for this session.
    assert bearer(meta["access_token"]).get(ME).status_code == 200
    refreshed = refresh(meta["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    assert bearer(refreshed.json()["data"]["access_token"]).get(ME).status_code == 200

    # The old pair of this session is gone.
    assert phone.get(ME).status_code == 401
    assert refresh(phone.tokens["refresh_token"]).status_code >= 400

    # The other session is over: its JWTs and its usersessions row.
    assert laptop.get(ME).status_code == 401
    assert refresh(laptop.tokens["refresh_token"]).status_code >= 400
    assert UserSession.objects.filter(user=user).count() == 1


def test_wrong_current_password_changes_nothing(make_user):
    user = make_user("keep@example.com")
    phone = authed_client(user)
    laptop = authed_client(user)
    answer = phone.post(
        CHANGE, {"current_password": "wrong", "new_password": NEW_PASSWORD}, format="json"
    )
    assert answer.status_code == 400
    assert "access_token" not in answer.json().get("meta", {})
    assert phone.get(ME).status_code == 200
    assert laptop.get(ME).status_code == 200
