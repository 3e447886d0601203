"""The staff preview: the list of notification types and each type rendered with sample
values, per language and channel; platform staff only; every bad input is a clear 4xx."""

from __future__ import annotations

import pytest

from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/types/"


@pytest.fixture
def staff(make_user):
    return make_user("preview-staff@example.com", is_staff=True)


def preview(client, kind, **params):
    return client.get(f"{API}{kind}/preview/", params)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.json()
    return response.json()["error"]


def test_staff_list_types_with_channels_and_flags(staff, client_for):
    response = client_for(staff).get(API, {"page_size": 100})
    assert response.status_code == 200, response.content
    data = response.json()
    by_kind = {row["kind"]: row for row in data["results"]}
    assert data["count"] == len(by_kind)
    assert by_kind["scheduling.confirmed"] == {
        "kind": "scheduling.confirmed",
        "label": "Confirmations de réservation",  # the request's language: French by default
        "channels": ["email", "sms", "push", "websocket"],
        "urgent": False,
        "staff_only": False,
    }
    assert by_kind["organization.broadcast"]["channels"] == [
        "email",
        "sms",
        "push",
        "websocket",
        "telegram",
    ]
    urgent = {kind for kind, row in by_kind.items() if row["urgent"]}
    assert {"payment.succeeded", "payment.failed", "payment.refunded"} <= urgent
    assert not urgent & {
        "organization.broadcast",
        "scheduling.confirmed",
        "payment.manual_declared",
    }
    assert list(by_kind) == sorted(by_kind)
    paged = client_for(staff).get(API, {"page_size": 2}).json()
    assert len(paged["results"]) == 2 and paged["next"]


def test_others_are_refused(make_user, client_for, api):
    organization = OrganizationFactory()
    for user in (make_user("plain@example.com"), member(organization, Role.OWNER)):
        client = client_for(user)
        assert_error(client.get(API), 403, "permission_denied")
        assert_error(preview(client, "scheduling.confirmed"), 403, "permission_denied")
    assert_error(api.get(API), 401, "not_authenticated")
    assert_error(preview(api, "scheduling.confirmed"), 401, "not_authenticated")


def test_email_preview_has_subject_text_and_html(staff, client_for):
    response = preview(client_for(staff), "scheduling.confirmed", language="fr", channel="email")
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"kind", "language", "channel", "subject", "text", "html"}
    assert data["subject"] == "Réservation confirmée"
    assert "Coupe et brushing" in data["text"] and "Salon Awa" in data["text"]
    html = data["html"]
    assert 'lang="fr"' in html and "Réservation confirmée" in html
    assert "Salon Awa" in html  # the sender's name heads the message
    assert 'href="http://127.0.0.1:8000/api/v1/notifications/"' in html  # the button
    assert "<script" not in html


def test_sms_preview_counts_segments_and_encoding(staff, client_for):
    data = preview(client_for(staff), "scheduling.reminder", language="fr", channel="sms").json()
    assert set(data) == {"kind", "language", "channel", "text", "segments", "encoding"}
    assert data["text"].startswith("Rappel")
    assert data["encoding"] == "gsm7"
    assert data["segments"] == 1
    assert "«" not in data["text"]  # French quotes become GSM-7 quotes


def test_push_and_websocket_previews_have_title_and_body(staff, client_for):
    client = client_for(staff)
    data = preview(client, "organization.broadcast", language="en", channel="push").json()
    assert set(data) == {"kind", "language", "channel", "title", "body"}
    assert data["language"] == "en"
    live = preview(client, "payment.succeeded", language="wo", channel="websocket").json()
    assert live["title"] == "Jot nañu sa fey"
    # Without a channel: the type's first one.
    assert preview(client, "payment.succeeded").json()["channel"] == "email"


def test_preview_speaks_each_language(staff, client_for):
    client = client_for(staff)
    titles = {
        language: preview(client, "scheduling.cancelled", language=language, channel="websocket")
        .json()["title"]
        for language in ("fr", "en", "wo")
    }
    assert titles == {
        "fr": "Réservation annulée",
        "en": "Booking cancelled",
        "wo": "Reserwaasiyoŋ bi neenal nañu ko",
    }


def test_preview_bad_input(staff, client_for):
    client = client_for(staff)
    assert_error(preview(client, "nope.never"), 404, "notification_type_not_found")
    assert_error(preview(client, "scheduling.confirmed", language="de"), 400, "invalid")
    assert_error(preview(client, "scheduling.confirmed", channel="fax"), 400, "invalid")
    error = assert_error(
        preview(client, "invoice.issued", channel="push"), 400, "channel_not_used"
    )
    assert "channel" in error["fields"]
    assert_error(preview(client, "scheduling.confirmed", colour="red"), 400, "invalid")
    assert client.post(f"{API}scheduling.confirmed/preview/").status_code == 405
