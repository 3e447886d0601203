"""allauth headless (app client, JWT) flows, end to end over HTTP."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from rest_framework.test import APIClient

from conftest import AUTH, DEFAULT_PASSWORD, login
from teranga.platform.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
NEW_PASSWORD = "Another-Strong-Pass-2027?"


def code_from_mail(index: int = -1) -> str:
    match = re.search(r"\b(\d{6})\b", mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def flows(response) -> dict:
    return {f["id"]: f for f in response.json()["data"]["flows"]}


# --- signup and email verification ---------------------------------------------------


def test_signup_then_verify_email_by_code(api, django_capture_on_commit_callbacks):
    # allauth's emails leave after commit, through the task engine.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{AUTH}/auth/signup",
            {"email": "New@Example.com", "password": NEW_PASSWORD},
            format="json",
        )
    assert response.status_code == 401, response.content
    assert flows(response)["verify_email"].get("is_pending") is True
    session_token = response.json()["meta"]["session_token"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    code = code_from_mail()

    wrong = f"{int(code) + 1:06d}"[-6:]
    bad = api.post(
        f"{AUTH}/auth/email/verify",
        {"key": wrong},
        format="json",
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert bad.status_code == 400

    ok = api.post(
        f"{AUTH}/auth/email/verify",
        {"key": code},
        format="json",
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert ok.status_code == 200, ok.content
    meta = ok.json()["meta"]
    assert meta["access_token"] and meta["refresh_token"]
    me = bearer(meta["access_token"]).get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "new@example.com"
    assert me.json()["email_verified"] is True


def test_signup_refuses_duplicate_and_weak_password(api, make_user):
    make_user("taken@example.com")
    weak = api.post(
        f"{AUTH}/auth/signup", {"email": "fresh@example.com", "password": "123"}, format="json"
    )
    assert weak.status_code == 400
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="fresh@example.com").exists()


# --- login, refresh, logout ----------------------------------------------------------


def test_login_wrong_password_400(api, make_user):
    make_user("login@example.com")
    response = api.post(
        f"{AUTH}/auth/login", {"email": "login@example.com", "password": "nope"}, format="json"
    )
    assert response.status_code == 400


def test_refresh_rotates_and_old_refresh_is_refused(api, make_user):
    make_user("refresh@example.com")
    meta = login(api, "refresh@example.com")
    first = api.post(
        f"{AUTH}/tokens/refresh", {"refresh_token": meta["refresh_token"]}, format="json"
    )
    assert first.status_code == 200, first.content
    data = first.json()["data"]
    assert data["access_token"] and data["refresh_token"]
    assert data["refresh_token"] != meta["refresh_token"]
    assert bearer(data["access_token"]).get(ME).status_code == 200

    newer = api.post(
        f"{AUTH}/tokens/refresh", {"refresh_token": data["refresh_token"]}, format="json"
    )
    assert newer.status_code == 200
    # Presenting a rotated token again is refused and ends the session
    # (tests/security/test_refresh_token_reuse.py).
    again = api.post(
        f"{AUTH}/tokens/refresh", {"refresh_token": meta["refresh_token"]}, format="json"
    )
    assert again.status_code >= 400
    assert bearer(newer.json()["data"]["access_token"]).get(ME).status_code == 401


def test_logout_revokes_access_token(make_user, client_for):
    user = make_user("logout@example.com")
    client = client_for(user)
    assert client.get(ME).status_code == 200
    response = client.delete(f"{AUTH}/auth/session")
    assert response.status_code == 401  # allauth: no longer authenticated
    assert client.get(ME).status_code == 401
    refused = APIClient().post(
        f"{AUTH}/tokens/refresh", {"refresh_token": client.tokens["refresh_token"]}, format="json"
    )
    assert refused.status_code >= 400


# --- password reset and change -------------------------------------------------------


def test_password_reset_by_code(api, make_user, django_capture_on_commit_callbacks):
    make_user("reset@example.com")
    signed_in = login(APIClient(), "reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{AUTH}/auth/password/request", {"email": "reset@example.com"}, format="json"
        )
    assert response.status_code == 401, response.content
    assert flows(response)["password_reset_by_code"].get("is_pending") is True
    session_token = response.json()["meta"]["session_token"]
    code = code_from_mail()

    info = api.get(
        f"{AUTH}/auth/password/reset",
        HTTP_X_PASSWORD_RESET_KEY=code,
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert info.status_code == 200, info.content

    done = api.post(
        f"{AUTH}/auth/password/reset",
        {"key": code, "password": NEW_PASSWORD},
        format="json",
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert done.status_code in (200, 401), done.content

    fresh = APIClient()
    old = fresh.post(
        f"{AUTH}/auth/login",
        {"email": "reset@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert old.status_code == 400
    assert login(APIClient(), "reset@example.com", NEW_PASSWORD)["access_token"]
    # Whoever knew the old password may hold a session: the reset ended them all.
    assert bearer(signed_in["access_token"]).get(ME).status_code == 401
    refreshed = APIClient().post(
        f"{AUTH}/tokens/refresh", {"refresh_token": signed_in["refresh_token"]}, format="json"
    )
    assert refreshed.status_code != 200, refreshed.content


def test_password_reset_wrong_code(api, make_user, django_capture_on_commit_callbacks):
    make_user("reset2@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{AUTH}/auth/password/request", {"email": "reset2@example.com"}, format="json"
        )
    session_token = response.json()["meta"]["session_token"]
    code = code_from_mail()
    wrong = "000000" if code != "000000" else "111111"
    done = api.post(
        f"{AUTH}/auth/password/reset",
        {"key": wrong, "password": NEW_PASSWORD},
        format="json",
        HTTP_X_SESSION_TOKEN=session_token,
    )
    assert done.status_code == 400
    assert login(APIClient(), "reset2@example.com")["access_token"]


def test_password_change(make_user, client_for):
    user = make_user("change@example.com")
    client = client_for(user)
    bad = client.post(
        f"{AUTH}/account/password/change",
        {"current_password": "wrong", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert bad.status_code == 400
    ok = client.post(
        f"{AUTH}/account/password/change",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    # The app gets a new pair for its session (tests/security/test_password_change_tokens.py).
    assert bearer(ok.json()["meta"]["access_token"]).get(ME).status_code == 200
    assert login(APIClient(), "change@example.com", NEW_PASSWORD)["access_token"]
    old = APIClient().post(
        f"{AUTH}/auth/login",
        {"email": "change@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert old.status_code == 400


# --- TOTP and recovery codes ---------------------------------------------------------


def current_totp(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def activate_totp(client) -> None:
    pending = client.get(f"{AUTH}/account/authenticators/totp")
    assert pending.status_code == 404, pending.content
    secret = pending.json()["meta"]["secret"]
    bad = client.post(f"{AUTH}/account/authenticators/totp", {"code": "000000"}, format="json")
    assert bad.status_code == 400
    code = current_totp(secret)
    # Activating MFA is sensitive: allauth asks for a fresh password first.
    needs = client.post(f"{AUTH}/account/authenticators/totp", {"code": code}, format="json")
    assert needs.status_code == 401
    assert "reauthenticate" in flows(needs)
    again = client.post(
        f"{AUTH}/auth/reauthenticate", {"password": DEFAULT_PASSWORD}, format="json"
    )
    assert again.status_code == 200, again.content
    ok = client.post(f"{AUTH}/account/authenticators/totp", {"code": code}, format="json")
    assert ok.status_code == 200, ok.content
    return secret


def test_totp_login_and_recovery_codes(make_user, client_for):
    user = make_user("mfa@example.com")
    client = client_for(user)
    secret = activate_totp(client)
    assert client.get(ME).json()["mfa_enabled"] is True

    api = APIClient()
    step = api.post(
        f"{AUTH}/auth/login",
        {"email": "mfa@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert step.status_code == 401
    assert flows(step)["mfa_authenticate"].get("is_pending") is True
    token = step.json()["meta"]["session_token"]
    wrong = api.post(
        f"{AUTH}/auth/2fa/authenticate",
        {"code": "000000"},
        format="json",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert wrong.status_code == 400
    done = api.post(
        f"{AUTH}/auth/2fa/authenticate",
        {"code": current_totp(secret)},
        format="json",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert done.status_code == 200, done.content
    assert bearer(done.json()["meta"]["access_token"]).get(ME).status_code == 200

    codes = client.get(f"{AUTH}/account/authenticators/recovery-codes")
    assert codes.status_code == 200, codes.content
    recovery = codes.json()["data"]["unused_codes"][0]

    def login_with(code: str) -> int:
        c = APIClient()
        first = c.post(
            f"{AUTH}/auth/login",
            {"email": "mfa@example.com", "password": DEFAULT_PASSWORD},
            format="json",
        )
        assert first.status_code == 401
        return c.post(
            f"{AUTH}/auth/2fa/authenticate",
            {"code": code},
            format="json",
            HTTP_X_SESSION_TOKEN=first.json()["meta"]["session_token"],
        ).status_code

    assert login_with(recovery) == 200
    assert login_with(recovery) == 400


# --- sessions ------------------------------------------------------------------------


def test_sessions_list_and_revoke_one(make_user, client_for):
    user = make_user("sessions@example.com")
    first = client_for(user)
    second = client_for(user)
    listing = first.get(f"{AUTH}/auth/sessions")
    assert listing.status_code == 200, listing.content
    sessions = listing.json()["data"]
    assert len(sessions) == 2
    other = next(s for s in sessions if not s["is_current"])
    ended = first.delete(f"{AUTH}/auth/sessions", {"sessions": [other["id"]]}, format="json")
    assert ended.status_code == 200, ended.content
    assert second.get(ME).status_code == 401
    assert first.get(ME).status_code == 200
    assert len(first.get(f"{AUTH}/auth/sessions").json()["data"]) == 1


# --- phone ---------------------------------------------------------------------------


def test_phone_change_and_verify_by_sms(make_user, client_for):
    user = make_user("phone@example.com")
    client = client_for(user)
    started = client.post(f"{AUTH}/account/phone", {"phone": "+221771234567"}, format="json")
    assert started.status_code == 202, started.content
    sms = SmsMessage.objects.get(purpose="phone_verification")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    assert sms.to == "+221771234567"
    assert client.get(ME).json()["phone_verified"] is False

    wrong = "000000" if code != "000000" else "111111"
    assert (
        client.post(f"{AUTH}/auth/phone/verify", {"code": wrong}, format="json").status_code == 400
    )
    done = client.post(f"{AUTH}/auth/phone/verify", {"code": code}, format="json")
    assert done.status_code == 200, done.content
    me = client.get(ME).json()
    assert me["phone"] == "+221771234567"
    assert me["phone_verified"] is True


def test_phone_invalid_number_400(make_user, client_for):
    user = make_user("badphone@example.com")
    client = client_for(user)
    response = client.post(f"{AUTH}/account/phone", {"phone": "12345"}, format="json")
    assert response.status_code == 400
    assert SmsMessage.objects.count() == 0
    user.refresh_from_db()
    assert user.phone is None


# --- rate limits ---------------------------------------------------------------------


def test_repeated_failed_logins_are_rate_limited(api, make_user):
    make_user("brute@example.com")

    def attempt(password: str):
        return api.post(
            f"{AUTH}/auth/login",
            {"email": "brute@example.com", "password": password},
            format="json",
        )

    first = [attempt(f"wrong-{i}") for i in range(5)]
    assert {r.status_code for r in first} == {400}
    # After 5 failures for this (address, account), even the right password is refused.
    locked = attempt(DEFAULT_PASSWORD)
    assert locked.status_code == 400
    assert locked.json()["errors"][0]["code"] == "too_many_login_attempts"
    # Keep hammering from this address: still refused, without trying the password.
    again = [attempt(f"wrong-x{i}") for i in range(10)]
    assert {r.json()["errors"][0]["code"] for r in again} == {"too_many_login_attempts"}
    # tests/security/test_login_limits.py covers the per-account and per-address budgets.
