"""Refunds, manual payment decisions and private documents reach the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teranga.core.storage import media_storages
from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.organizations.tests.factories import organization_with_owner
from teranga.platform.payments.tests.conftest import shop  # noqa: F401  (the fixture)
from teranga.platform.payments.tests.test_lifecycle import paid

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def org_log(client, organization, action):
    response = client.get(
        "/api/v1/audit/", {"organization": str(organization.pk), "action": action}
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_refund_is_recorded(shop):  # noqa: F811
    payment_id = paid(shop)
    response = shop.call(
        shop.api["manager"].post,
        f"/api/v1/payments/{payment_id}/refund/",
        {"amount": 5000, "reason": "geste commercial"},
        format="json",
    )
    assert response.status_code == 201, response.content
    rows = org_log(shop.api["manager"], shop.organization, AuditAction.REFUND_REQUESTED)
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == str(shop.manager.pk)
    assert row["subject"] == str(shop.client.pk)
    assert row["object_id"] == response.json()["id"]
    assert row["before"] == {"payment": payment_id, "status": "succeeded", "refunded_amount": 0}
    assert row["after"] == {
        "amount": 5000,
        "currency": "XOF",
        "reason": "geste commercial",
        "automatic": False,
    }


def test_refused_refund_leaves_no_entry(shop):  # noqa: F811
    payment_id = paid(shop)
    response = shop.api["manager"].post(
        f"/api/v1/payments/{payment_id}/refund/", {"amount": 999999}, format="json"
    )
    assert response.status_code == 409
    assert not AuditEntry.objects.filter(action=AuditAction.REFUND_REQUESTED).exists()


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_manual_payment_decision_is_recorded(shop, decision):  # noqa: F811
    declared = shop.pay(provider="", method="bank_transfer", transaction_number="VIR-2026-7")
    payment_id = declared.json()["id"]
    review = shop.call(
        shop.api["manager"].post,
        f"/api/v1/payments/{payment_id}/review/",
        {"decision": decision, "note": "relevé du 6"},
        format="json",
    )
    assert review.status_code == 200, review.content
    action = (
        AuditAction.MANUAL_PAYMENT_APPROVED
        if decision == "approve"
        else AuditAction.MANUAL_PAYMENT_REJECTED
    )
    row = org_log(shop.api["owner"], shop.organization, action)[0]
    assert row["before"] == {"status": "pending"}
    assert row["after"] == {
        "status": "succeeded" if decision == "approve" else "failed",
        "note": "relevé du 6",
        "transaction_number": "VIR-2026-7",
    }
    assert row["actor"] == str(shop.manager.pk)


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, **media_storages()}
    return tmp_path


def test_private_document_download_is_recorded(local_media, client_for, client):
    organization, owner = organization_with_owner(name="Docs")
    owner_client = client_for(owner)
    uploaded = owner_client.post(
        f"/api/v1/organizations/{organization.pk}/verification/",
        {"kind": "ninea", "file": SimpleUploadedFile("n.pdf", PDF, "application/pdf")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    parts = urlsplit(uploaded.json()["file"])
    link = f"{parts.path}?{parts.query}"
    assert not AuditEntry.objects.filter(action=AuditAction.DOCUMENT_ACCESSED).exists()
    response = client.get(link, HTTP_USER_AGENT="curl/8.5", REMOTE_ADDR="192.0.2.15")
    assert response.status_code == 200
    rows = org_log(owner_client, organization, AuditAction.DOCUMENT_ACCESSED)
    assert len(rows) == 1
    name = parts.path.removeprefix("/media/private/")
    assert rows[0]["object_type"] == "media.private" and rows[0]["object_id"] == name
    assert rows[0]["address"] == "192.0.2.15" and rows[0]["user_agent"] == "curl/8.5"
    assert "sig" not in rows[0]["object_id"]
    # A refused link (tampered signature) records nothing.
    assert client.get(f"{parts.path}?sig=0:bad").status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.DOCUMENT_ACCESSED).count() == 1
