"""Session reminders through the notifications module: 24 h and 1 h before each session,
to members with an active enrolment only, each with their own check-in link, once per
offset and start; a moved session is reminded again for its new time.

The academy's Discord channels (webhooks its managers configure over HTTP) that announce
reminders, moves or cancellations get one post per session and fact, whatever the number
of members, in the webhook's language, with the session's public link and no check-in
link; a channel that did not ask for that kind, or another academy's, gets nothing; a
re-run posts nothing more. Discord is mocked at the HTTP transport with its documented
execute-webhook answer (``?wait=true``: the Message created)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx2
import pytest
from django.test import override_settings
from django.utils import timezone

from teranga.core.http import use_transport
from teranga.platform.notifications.models import (
    DeliveryStatus,
    DiscordMessage,
    Notification,
    NotificationDelivery,
)
from teranga.products.academy.models import EnrolmentStatus, SessionReminder, SessionStatus
from teranga.products.academy.notices import member_channels
from teranga.products.academy.services.reminders import session_reminders_send

from .conftest import assert_error
from .factories import SessionFactory, enrolled


def test_reminders_go_to_active_members_once_with_their_check_in_link(academy):
    starts = timezone.now() + timedelta(days=3)
    session = SessionFactory(
        formation=academy.formation, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation, status=EnrolmentStatus.PENDING)
    assert session_reminders_send(now=starts - timedelta(days=2)) == 0  # not due yet
    assert session_reminders_send(now=starts - timedelta(hours=23)) == 1
    assert session_reminders_send(now=starts - timedelta(hours=22)) == 0  # sent already
    notice = Notification.objects.get(kind="academy.session_reminder")
    assert notice.recipient_id == academy.member.pk
    assert "Trading Forex" in notice.title and "https://zoom.us/j/123456789" in notice.body
    assert "/academy/checkin/" in notice.body
    assert f"/o/academy.session/{session.pk}/" in notice.link
    channels = set(
        NotificationDelivery.objects.filter(notification=notice).values_list("channel", flat=True)
    )
    assert channels == set(member_channels()) and "email" in channels
    # The 1 h reminder, then nothing more.
    assert session_reminders_send(now=starts - timedelta(minutes=50)) == 1
    assert session_reminders_send(now=starts - timedelta(minutes=40)) == 0
    assert Notification.objects.filter(kind="academy.session_reminder").count() == 2


def test_a_moved_session_is_reminded_again_and_a_cancelled_one_not(academy):
    starts = timezone.now() + timedelta(hours=5)
    session = SessionFactory(
        formation=academy.formation, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    cancelled = SessionFactory(
        formation=academy.formation,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=SessionStatus.CANCELLED,
    )
    enrolled(academy.member, academy.formation)
    assert session_reminders_send(now=starts - timedelta(hours=4)) == 1
    new_start = starts + timedelta(hours=2)
    session.starts_at, session.ends_at = new_start, new_start + timedelta(hours=1)
    session.save()
    assert session_reminders_send(now=starts - timedelta(hours=4)) == 1
    assert not Notification.objects.filter(data__session=str(cancelled.pk)).exists()


def test_my_sessions_are_in_my_calendar(academy):
    session = SessionFactory(formation=academy.formation)
    SessionFactory(formation=academy.formation, status=SessionStatus.CANCELLED)
    enrolled(academy.member, academy.formation)
    entries = academy.clients["member"].get("/api/v1/calendar/entries/").json()
    mine = [entry for entry in entries["results"] if entry.get("source") == "academy.sessions"]
    assert len(mine) == 2
    assert {entry["status"] for entry in mine} == {"confirmed", "cancelled"}
    assert any(str(session.pk) in entry["url"] for entry in mine)
    others = academy.clients["member2"].get("/api/v1/calendar/entries/").json()
    assert not [entry for entry in others["results"] if entry.get("source") == "academy.sessions"]


# --- Discord announcements -------------------------------------------------------------


def discord_url(number: int) -> str:
    return f"https://discord.com/api/webhooks/12345678901234567{number:02d}/{'aBcD-efGh_ijKL' * 5}"


class DiscordApi:
    """Discord's execute-webhook endpoint at the HTTP transport: records each call and
    answers 200 with the Message created (``?wait=true``)."""

    def __init__(self):
        self.calls: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls.append(request)
        return httpx2.Response(
            200,
            json={
                "id": f"11800000000000000{len(self.calls):02d}",
                "type": 0,
                "content": "",
                "channel_id": "1170000000000000001",
                "author": {"id": "1234567890123456701", "username": "Teranga", "bot": True},
                "embeds": [],
                "timestamp": "2026-03-02T12:00:00.000000+00:00",
                "webhook_id": "1234567890123456701",
            },
        )

    def posted(self) -> dict[str, list[dict]]:
        """The embeds posted, by webhook URL (the ``?wait=true`` query left out)."""
        found: dict[str, list[dict]] = {}
        for request in self.calls:
            assert request.method == "POST" and request.url.params["wait"] == "true"
            payload = json.loads(request.content)
            assert payload["allowed_mentions"] == {"parse": []}
            (embed,) = payload["embeds"]
            found.setdefault(str(request.url.copy_with(query=None)), []).append(embed)
        return found


@pytest.fixture
def discord(academy):
    """Webhooks configured over HTTP: ``fr`` (French: reminders, moves and cancellations),
    ``en`` (English: reminders only), ``broadcasts`` (staff broadcasts only) and
    ``other`` (another academy's, reminders); and Discord behind the transport."""
    hooks = {}
    for number, (name, client, organization, kinds, language) in enumerate(
        (
            (
                "fr",
                "manager",
                academy.org,
                ["academy.session_reminder", "academy.session_moved", "academy.session_cancelled"],
                "fr",
            ),
            ("en", "manager", academy.org, ["academy.session_reminder"], "en"),
            ("broadcasts", "manager", academy.org, ["organization.broadcast"], "fr"),
            ("other", "other_manager", academy.other, ["academy.session_reminder"], "fr"),
        ),
        start=1,
    ):
        response = academy.clients[client].post(
            f"/api/v1/organizations/{organization.pk}/discord-webhooks/",
            {"name": f"#{name}", "url": discord_url(number), "kinds": kinds, "language": language},
            format="json",
        )
        assert response.status_code == 201, response.content
        hooks[name] = discord_url(number)
    api = DiscordApi()
    with override_settings(DISCORD_PROVIDER="discord"), use_transport(httpx2.MockTransport(api)):
        yield hooks, api


def test_each_reminder_is_announced_once_per_session_on_discord(
    academy, discord, django_capture_on_commit_callbacks
):
    hooks, api = discord
    starts = timezone.now() + timedelta(days=3)
    session = SessionFactory(
        formation=academy.formation, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation)
    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send(now=starts - timedelta(hours=23)) == 2  # two members
    posted = api.posted()
    # One post per subscribed channel (not one per member); the others get nothing.
    assert set(posted) == {hooks["fr"], hooks["en"]}
    (french,) = posted[hooks["fr"]]
    (english,) = posted[hooks["en"]]
    assert french["title"] == "Rappel de session : Trading Forex — les bases"
    assert french["description"].startswith("Votre session commence le ")
    assert english["title"] == "Session reminder: Trading Forex — les bases"
    assert english["description"].startswith("Your session starts on ")
    for embed in (french, english):
        assert "https://zoom.us/j/123456789" in embed["description"]
        assert "/academy/checkin/" not in embed["description"]  # no member's own link
        assert embed["url"].startswith("http")
        assert embed["url"].endswith(f"/o/academy.session/{session.pk}/")
    messages = DiscordMessage.objects.filter(kind="academy.session_reminder")
    assert messages.count() == 2
    assert set(messages.values_list("status", flat=True)) == {DeliveryStatus.SENT}

    # The job runs again: nothing more is posted, even with its own record gone.
    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send(now=starts - timedelta(hours=22)) == 0
        SessionReminder.objects.filter(session=session).delete()
        session_reminders_send(now=starts - timedelta(hours=22))
    assert len(api.calls) == 2 and DiscordMessage.objects.count() == 2

    # The 1 h reminder is another fact: announced once more, then nothing.
    with django_capture_on_commit_callbacks(execute=True):
        session_reminders_send(now=starts - timedelta(minutes=50))
        session_reminders_send(now=starts - timedelta(minutes=40))
    assert len(api.calls) == 4 and DiscordMessage.objects.count() == 4
    assert {len(embeds) for embeds in api.posted().values()} == {2}


def test_a_session_without_members_is_still_announced(
    academy, discord, django_capture_on_commit_callbacks
):
    hooks, api = discord
    starts = timezone.now() + timedelta(hours=5)
    SessionFactory(
        formation=academy.formation, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send(now=starts - timedelta(hours=4)) == 0  # no member
    assert set(api.posted()) == {hooks["fr"], hooks["en"]}
    assert not Notification.objects.exists()


def test_moved_and_cancelled_sessions_are_announced_once(
    academy, discord, django_capture_on_commit_callbacks
):
    hooks, api = discord
    session = SessionFactory(formation=academy.formation)
    enrolled(academy.member, academy.formation)
    url = f"/api/v1/academy/sessions/{session.pk}/"
    later = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    moved = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()}

    # Refused changes announce nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert_error(academy.clients["instructor"].patch(url, moved, format="json"), 403)
        assert_error(academy.clients["other_manager"].patch(url, moved, format="json"), 404)
    assert api.calls == []

    with django_capture_on_commit_callbacks(execute=True):
        response = academy.clients["manager"].patch(url, moved, format="json")
        assert response.status_code == 200, response.content
        # The same times again: not a move, nothing said.
        assert academy.clients["manager"].patch(url, moved, format="json").status_code == 200
    posted = api.posted()
    assert set(posted) == {hooks["fr"]}  # only the channel that announces moves
    (embed,) = posted[hooks["fr"]]
    assert embed["title"] == "Session déplacée : Trading Forex — les bases"
    assert embed["url"].endswith(f"/o/academy.session/{session.pk}/")
    assert Notification.objects.filter(kind="academy.session_moved").count() == 1

    cancel = f"{url}cancel/"
    with django_capture_on_commit_callbacks(execute=True):
        assert academy.clients["manager"].post(cancel).status_code == 200
        assert_error(academy.clients["manager"].post(cancel), 409, "session_cancelled")
    posted = api.posted()
    assert set(posted) == {hooks["fr"]}
    assert [e["title"] for e in posted[hooks["fr"]]] == [
        "Session déplacée : Trading Forex — les bases",
        "Session annulée : Trading Forex — les bases",
    ]
    assert DiscordMessage.objects.filter(kind="academy.session_cancelled").count() == 1
