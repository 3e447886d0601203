"""Account actions reach the audit log through allauth's app API (sign-in, failed
sign-in, password, email, phone, MFA) and ours (the GDPR export and erasure)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from rest_framework.test import APIClient

from conftest import AUTH, DEFAULT_PASSWORD, create_user
from teranga.platform.accounts.tests.test_auth_flows import activate_totp
from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Teranga/2.1"
NEW_PASSWORD = "Another-Strong-Pass-2027?"


def sign_in(email: str, password: str = DEFAULT_PASSWORD, *, address="203.0.113.9"):
    client = APIClient()
    response = client.post(
        f"{AUTH}/auth/login",
        {"email": email, "password": password},
        format="json",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR=address,
    )
    return client, response


def signed_in(user) -> APIClient:
    client, response = sign_in(user.email)
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['meta']['access_token']}")
    return client


def my_log(client, **params) -> list[dict]:
    response = client.get("/api/v1/me/audit/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_sign_in_is_recorded_with_address_and_user_agent():
    user = create_user("awa@example.com")
    client = signed_in(user)
    rows = my_log(client, action=AuditAction.SIGN_IN)
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == str(user.pk) and row["subject"] == str(user.pk)
    assert row["actor_label"] == "awa@example.com"
    assert row["address"] == "203.0.113.9"
    assert row["user_agent"] == BROWSER
    assert row["action_label"]


def test_failed_sign_in_is_recorded_once_per_address_and_account_per_window():
    user = create_user("target@example.com")
    for _attempt in range(3):
        _client, response = sign_in("target@example.com", "wrong-password")
        assert response.status_code == 400
    _client, response = sign_in("target@example.com", "wrong-password", address="192.0.2.77")
    assert response.status_code == 400
    # Unknown accounts: the typed login is never stored.
    sign_in("nobody@example.com", "whatever")
    failed = AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED)
    assert failed.filter(subject=user).count() == 2  # one per address in the window
    assert sorted(failed.filter(subject=user).values_list("address", flat=True)) == [
        "192.0.2.77",
        "203.0.113.9",
    ]
    unknown = failed.get(subject__isnull=True)
    assert unknown.object_id == "" and "nobody" not in str(unknown.__dict__)
    assert unknown.user_agent == BROWSER
    # The owner sees the failures on their account.
    client = signed_in(user)
    assert len(my_log(client, action=AuditAction.SIGN_IN_FAILED)) == 2


def test_password_change_is_recorded_without_the_password():
    user = create_user("pw@example.com")
    client = signed_in(user)
    response = client.post(
        f"{AUTH}/account/password/change",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert entry.actor == user and entry.subject == user
    assert entry.user_agent == BROWSER
    stored = str(list(AuditEntry.objects.values()))
    assert NEW_PASSWORD not in stored and DEFAULT_PASSWORD not in stored


def test_email_added_verified_and_made_primary(django_capture_on_commit_callbacks):
    user = create_user("old@example.com")
    client = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(f"{AUTH}/account/email", {"email": "new@example.com"}, format="json")
    assert added.status_code == 200, added.content
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verified = client.post(f"{AUTH}/auth/email/verify", {"key": code}, format="json")
    assert verified.status_code == 200, verified.content
    primary = client.patch(
        f"{AUTH}/account/email", {"email": "new@example.com", "primary": True}, format="json"
    )
    assert primary.status_code == 200, primary.content
    assert EmailAddress.objects.get(email="new@example.com").primary
    by_action = {row["action"]: row for row in my_log(client)}
    assert by_action[AuditAction.EMAIL_ADDED]["after"]["email"] == "new@example.com"
    assert by_action[AuditAction.EMAIL_VERIFIED]["after"] == {
        "email": "new@example.com",
        "verified": True,
    }
    changed = by_action[AuditAction.EMAIL_CHANGED]
    assert changed["before"] == {"email": "old@example.com"}
    assert changed["after"] == {"email": "new@example.com"}


def test_phone_change_is_masked():
    user = create_user("phone@example.com")
    client = signed_in(user)
    assert (
        client.post(f"{AUTH}/account/phone", {"phone": "+221771234567"}, format="json").status_code
        == 202
    )
    code = re.search(r"\b(\d{6})\b", SmsMessage.objects.get().body).group(1)
    assert (
        client.post(f"{AUTH}/auth/phone/verify", {"code": code}, format="json").status_code == 200
    )
    rows = my_log(client, action=AuditAction.PHONE_CHANGED)
    assert rows, "the phone change is logged"
    final = rows[0]
    assert final["after"] == {"phone": "+221 ** *** ** 67", "verified": True}
    assert "771234567" not in str(list(AuditEntry.objects.values("before", "after")))


def test_mfa_activation_and_deactivation_never_store_the_secret(
    client_for, django_capture_on_commit_callbacks
):
    user = create_user("mfa@example.com")
    client = client_for(user)
    # allauth announces an activation once it has committed.
    with django_capture_on_commit_callbacks(execute=True):
        secret = activate_totp(client)
    removed = client.delete(f"{AUTH}/account/authenticators/totp")
    assert removed.status_code == 200, removed.content
    added = AuditEntry.objects.filter(action=AuditAction.MFA_ADDED)
    assert sorted(entry.after["type"] for entry in added) == ["recovery_codes", "totp"]
    assert {entry.actor for entry in added} == {user}
    assert all(set(entry.after) == {"type"} for entry in added)
    # The TOTP goes, and with it the recovery codes it left dangling.
    gone = AuditEntry.objects.filter(action=AuditAction.MFA_REMOVED)
    assert sorted(entry.before["type"] for entry in gone) == ["recovery_codes", "totp"]
    assert {entry.actor for entry in gone} == {user}
    assert secret not in str(list(AuditEntry.objects.values()))


def test_gdpr_export_then_erasure_forgets_the_label(client_for):
    user = create_user("gdpr@example.com")
    client = client_for(user)
    assert client.get("/api/v1/me/export/").status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.DATA_EXPORTED)
    assert entry.actor == user and entry.actor_label == "gdpr@example.com"
    erased = client.delete("/api/v1/me/", {"password": DEFAULT_PASSWORD}, format="json")
    assert erased.status_code == 204, erased.content
    entry = AuditEntry.objects.get(action=AuditAction.DATA_EXPORTED)
    assert entry.actor_label == "" and entry.address is None
    assert not AuditEntry.objects.filter(actor_label="gdpr@example.com").exists()
