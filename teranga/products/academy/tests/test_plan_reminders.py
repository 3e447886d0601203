"""The reminder that a signal subscription ends (issue 19), sent by the periodic job three
days before the end through the notifications module: once per subscription and end (a
second run sends nothing), none when the subscription was renewed beyond that, a new one
for the new end of a renewal, none to a lapsed subscription, to another member or to an
erased account; the link opens the member's subscription (and shows it to them only)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from conftest import DEFAULT_PASSWORD
from teranga.platform.contract import periodic_jobs
from teranga.platform.notifications.models import Notification, NotificationDelivery
from teranga.products.academy.models import SignalSubscription
from teranga.products.academy.notices import member_channels
from teranga.products.academy.services.plan_reminders import (
    signal_subscription_reminders_send,
)

from .factories import SignalPlanFactory, subscribed
from .test_signal_plans import buy

KIND = "academy.signal_subscription_ending"


def ending(user) -> list[Notification]:
    return list(Notification.objects.filter(kind=KIND, recipient=user).order_by("created_at"))


def test_a_member_is_reminded_once_three_days_before_the_end_and_again_after_a_renewal(
    academy, django_capture_on_commit_callbacks
):
    plan = SignalPlanFactory(organization=academy.org, name="Mensuel", duration_days=30)
    member = academy.clients["member"]
    chosen, _payment = buy(member, plan.pk, django_capture_on_commit_callbacks)
    subscription = SignalSubscription.objects.get(pk=chosen["id"])
    end = subscription.ends_at
    subscribed(academy.member2, academy.org, days=120)  # ends much later

    assert signal_subscription_reminders_send() == 0  # 30 days left
    assert signal_subscription_reminders_send(now=end - timedelta(days=3, minutes=5)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert signal_subscription_reminders_send(now=end - timedelta(days=2, hours=23)) == 1
    assert signal_subscription_reminders_send(now=end - timedelta(days=2)) == 0  # sent already
    assert signal_subscription_reminders_send(now=end - timedelta(hours=1)) == 0

    (notice,) = ending(academy.member)
    assert "Calmness Trading" in notice.title
    assert "Calmness Trading" in notice.body and "Mensuel" in notice.body
    assert notice.data["ends_at"] == end.isoformat()
    assert notice.link.endswith(f"/o/academy.signal_subscription/{subscription.pk}/")
    channels = set(
        NotificationDelivery.objects.filter(notification=notice).values_list("channel", flat=True)
    )
    assert channels == set(member_channels()) and "email" in channels
    assert not ending(academy.member2)

    # The member's inbox shows it.
    inbox = member.get("/api/v1/notifications/").json()["results"]
    assert [row["title"] for row in inbox if row["kind"] == KIND] == [notice.title]

    # A renewal moves the end by 30 days: nothing at the old end, a new reminder for the
    # new one, once.
    buy(member, plan.pk, django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.ends_at > end + timedelta(days=29)
    assert signal_subscription_reminders_send(now=end - timedelta(days=1)) == 0
    new_end = subscription.ends_at
    assert signal_subscription_reminders_send(now=new_end - timedelta(days=2)) == 1
    assert signal_subscription_reminders_send(now=new_end - timedelta(days=1)) == 0
    notices = ending(academy.member)
    assert [n.data["ends_at"] for n in notices] == [end.isoformat(), new_end.isoformat()]

    # Once ended, nothing more.
    assert signal_subscription_reminders_send(now=new_end + timedelta(minutes=1)) == 0
    assert Notification.objects.filter(kind=KIND).count() == 2


def test_a_subscription_renewed_before_the_notice_is_not_reminded_of_its_first_end(
    academy, django_capture_on_commit_callbacks
):
    plan = SignalPlanFactory(organization=academy.org, duration_days=30)
    member = academy.clients["member"]
    chosen, _payment = buy(member, plan.pk, django_capture_on_commit_callbacks)
    first_end = SignalSubscription.objects.get(pk=chosen["id"]).ends_at
    buy(member, plan.pk, django_capture_on_commit_callbacks)  # renewed at once
    for days in (3, 2, 1, 0):
        assert signal_subscription_reminders_send(now=first_end - timedelta(days=days)) == 0
    assert not ending(academy.member)


def test_the_link_shows_the_subscription_to_its_member_only(academy):
    subscription = subscribed(academy.member, academy.org, days=2)
    assert signal_subscription_reminders_send() == 1
    (notice,) = ending(academy.member)
    path = "/" + notice.link.split("://", 1)[1].split("/", 1)[1]
    for language in ("fr", "en", "wo"):
        anonymous = Client().get(f"{path}?lang={language}")
        assert anonymous.status_code == 200
        assert f"teranga://academy/signal-subscriptions/{subscription.pk}" in (
            anonymous.content.decode()
        )
    owner = Client()
    owner.force_login(academy.member)
    html = owner.get(path).content.decode()
    assert 'id="summary"' in html and subscription.plan.name in html
    stranger = Client()
    stranger.force_login(academy.member2)
    html = stranger.get(path).content.decode()
    assert 'id="summary"' not in html and subscription.plan.name not in html


def test_an_erased_member_is_not_reminded(academy, django_capture_on_commit_callbacks):
    subscribed(academy.member, academy.org, days=2)
    with django_capture_on_commit_callbacks(execute=True):
        erased = academy.clients["member"].delete(
            "/api/v1/me/", {"password": DEFAULT_PASSWORD}, format="json"
        )
    assert erased.status_code == 204, erased.content
    assert SignalSubscription.objects.filter(user=academy.member).exists()
    assert signal_subscription_reminders_send() == 0
    assert not Notification.objects.filter(kind=KIND).exists()


def test_the_scheduled_job_sends_the_reminders_due(academy):
    job = periodic_jobs.get("academy.signal_subscription_reminders")
    assert job.schedule == {"minute": "*/15"}
    subscribed(academy.member, academy.org, days=2)
    subscribed(academy.member2, academy.org, days=10)
    assert job.function() == 1
    assert job.function() == 0
    assert [n.recipient_id for n in Notification.objects.filter(kind=KIND)] == [academy.member.pk]
