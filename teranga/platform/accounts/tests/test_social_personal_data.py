"""Social accounts and personal data: linking a Google account to an existing user and
unlinking it are in the audit log (provider and uid, never a token), and the GDPR export
lists the linked accounts (provider, uid, email; never their tokens)."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from rest_framework.test import APIClient

from conftest import AUTH, create_user
from teranga.platform.accounts.tests.test_social_login import (  # noqa: F401 (fixtures)
    configured,
    google,
    idp,
)
from teranga.platform.audit.models import AuditAction, AuditEntry

EXPORT = "/api/v1/me/export/"


@pytest.mark.django_db
@pytest.mark.usefixtures("configured", "idp")
def test_link_export_and_unlink_are_audited_without_tokens():
    user = create_user("khady@example.com")
    response = google("khady@example.com", sub="google-sub-khady")
    assert response.status_code == 200, response.content
    account = SocialAccount.objects.get(user=user)
    connected = AuditEntry.objects.get(action=AuditAction.SOCIAL_CONNECTED)
    assert connected.subject_id == user.pk
    assert connected.after == {"provider": "google", "uid": "google-sub-khady"}

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['meta']['access_token']}")
    export = client.get(EXPORT)
    assert export.status_code == 200, export.content
    social = json.loads(export.content)["social_accounts"]
    assert [(s["provider"], s["uid"], s["email"]) for s in social] == [
        ("google", "google-sub-khady", "khady@example.com")
    ]
    assert set(social[0]) == {"provider", "uid", "email", "date_joined", "last_login"}
    assert account.pk

    # The owner unlinks it (they still have a password and a verified email): audited.
    unlinked = client.delete(
        f"{AUTH}/account/providers",
        {"provider": "google", "account": "google-sub-khady"},
        format="json",
    )
    assert unlinked.status_code == 200, unlinked.content
    assert not SocialAccount.objects.filter(user=user).exists()
    disconnected = AuditEntry.objects.get(action=AuditAction.SOCIAL_DISCONNECTED)
    assert disconnected.before == {"provider": "google", "uid": "google-sub-khady"}
