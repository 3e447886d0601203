"""The demo data (idempotent) and the admin pages (conversations, messages with the
flagged filter and the review actions, support settings)."""

from __future__ import annotations

import pytest

from conftest import create_user
from teranga.platform.messaging.models import (
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ModerationStatus,
    SupportSettings,
)
from teranga.platform.messaging.services import message_send

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent():
    from teranga.platform.organizations.demo import seed_demo

    seed_demo(password="Demo-Pass-2026!")
    support = SupportSettings.objects.get(organization__slug="calmness-trading")
    assert support.whatsapp == "+221771234567"
    assert support.telegram == "calmnesstrading"
    assert len(support.business_hours) == 6
    conversation = Conversation.objects.get(kind=ConversationKind.SUPPORT)
    bodies = list(
        conversation.messages.exclude(kind=MessageKind.AUTO_REPLY)
        .order_by("seq")
        .values_list("sender__email", flat=True)
    )
    assert bodies == ["client1@teranga.demo", "academy.agent1@teranga.demo"]
    private = Conversation.objects.get(kind=ConversationKind.PRIVATE)
    assert private.messages.count() == 2
    counts = (Conversation.objects.count(), Message.objects.count())
    seed_demo(password="Demo-Pass-2026!")
    assert (Conversation.objects.count(), Message.objects.count()) == counts


@pytest.fixture
def staff_client(client):
    admin = create_user("admin-msg@example.test", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_pages_and_review_actions(staff_client, people, private, desk):
    flagged, _ = message_send(
        sender=people.alice, conversation_id=private.pk, body="c'est une arnaque"
    )
    message_send(sender=people.bob, conversation_id=private.pk, body="fine")
    assert staff_client.get("/admin/messaging/conversation/").status_code == 200
    page = staff_client.get(f"/admin/messaging/conversation/{private.pk}/change/")
    assert page.status_code == 200
    assert b"arnaque" in page.content
    listing = staff_client.get("/admin/messaging/message/?moderation__exact=flagged")
    assert listing.status_code == 200
    assert b"arnaque" in listing.content and b"fine" not in listing.content
    assert staff_client.get(f"/admin/messaging/message/{flagged.pk}/change/").status_code == 200
    assert staff_client.get("/admin/messaging/supportsettings/").status_code == 200
    assert (
        staff_client.get(f"/admin/messaging/supportsettings/{desk.support.pk}/change/").status_code
        == 200
    )
    hide = staff_client.post(
        "/admin/messaging/message/",
        {"action": "hide", "_selected_action": [str(flagged.pk)]},
    )
    assert hide.status_code == 302
    flagged.refresh_from_db()
    assert flagged.deleted_at is not None
    staff_client.post(
        "/admin/messaging/message/",
        {"action": "mark_reviewed", "_selected_action": [str(flagged.pk)]},
    )
    flagged.refresh_from_db()
    assert flagged.moderation == ModerationStatus.OK


def test_admin_support_settings_form_normalises(staff_client, desk):
    url = f"/admin/messaging/supportsettings/{desk.support.pk}/change/"
    data = {
        "organization": str(desk.organization.pk),
        "enabled": "on",
        "business_hours": '[{"weekday": 9, "opens": "09:00", "closes": "18:00"}]',
        "auto_reply": "",
        "welcome_message": "",
        "whatsapp": "",
        "telegram": "",
        "discord": "",
        "email": "",
        "primary_color": "#D4AF37",
    }
    refused = staff_client.post(url, data)
    assert refused.status_code == 200  # the form again, with the error
    desk.support.refresh_from_db()
    assert len(desk.support.business_hours) == 5
    data["business_hours"] = '[{"weekday": 1, "opens": "10:00", "closes": "12:00"}]'
    data["telegram"] = "https://t.me/new_name"
    assert staff_client.post(url, data).status_code == 302
    desk.support.refresh_from_db()
    assert desk.support.telegram == "new_name"
    assert desk.support.business_hours == [{"weekday": 1, "opens": "10:00", "closes": "12:00"}]
