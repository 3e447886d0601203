"""Session reminders through the notifications module: 24 h and 1 h before each session,
to members with an active enrolment only, each with their own check-in link, once per
offset and start; a moved session is reminded again for its new time."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from teranga.platform.notifications.models import Notification, NotificationDelivery
from teranga.products.academy.models import EnrolmentStatus, SessionStatus
from teranga.products.academy.notices import member_channels
from teranga.products.academy.services.reminders import session_reminders_send

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
