"""The reminder that a member's signal subscription ends (issue 19): three days before
``ends_at``, through the notifications module (``academy.signal_subscription_ending``: its
channels, the member's language, preferences and quiet hours), with the link of the
subscription (``academy.signal_subscription``), from where the app offers the plans.

A reminder is due for a subscription when ``ends_at - 3 days <= now < ends_at``. A
subscription renewed beyond that window is not due (its end moved); a renewal that moves
the end gets a new reminder for the new end, once it comes within three days of it. An
erased (deactivated) account is not reminded.

Idempotency: the notification's key names the subscription and its end
(``academy.signal_subscription:<id>:ending:<ends_at>``), and the notifications module
records one notification per key; a second run finds the keys sent and sends nothing
(two runs at once: the unique key keeps one).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from teranga.core.links import object_link
from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.services import notification_send

from ..models_plans import SignalSubscription
from ..notices import SIGNAL_SUBSCRIPTION_ENDING, SIGNAL_SUBSCRIPTION_LINK, subscription_context

#: How long before the end the member is reminded.
ENDING_NOTICE = timedelta(days=3)
#: Subscriptions read per query (every due one is handled in the run).
CHUNK_SIZE = 500


def ending_key(subscription: SignalSubscription) -> str:
    """The idempotency key of the reminder for ``subscription``'s current end."""
    return (
        f"academy.signal_subscription:{subscription.pk}:ending:{subscription.ends_at.isoformat()}"
    )


def subscriptions_ending(*, now: datetime):
    """The subscriptions whose end falls within the notice from ``now`` (index
    ``(organization, ends_at)`` / ``(user, ends_at)``), of accounts still active."""
    return (
        SignalSubscription.objects.filter(
            ends_at__gt=now, ends_at__lte=now + ENDING_NOTICE, user__is_active=True
        )
        .select_related("user", "plan", "organization")
        .order_by("ends_at", "id")
    )


def _remind(subscription: SignalSubscription) -> None:
    with transaction.atomic():
        notification_send(
            recipient=subscription.user,
            kind=SIGNAL_SUBSCRIPTION_ENDING,
            context=subscription_context(subscription),
            link=object_link(SIGNAL_SUBSCRIPTION_LINK, subscription.pk),
            idempotency_key=ending_key(subscription),
        )


def signal_subscription_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the members whose subscription ends within three days and who were not
    reminded of that end yet; returns how many reminders were recorded."""
    now = now or timezone.now()
    due = list(subscriptions_ending(now=now))
    count = 0
    for start in range(0, len(due), CHUNK_SIZE):
        chunk = due[start : start + CHUNK_SIZE]
        keys = {ending_key(subscription): subscription for subscription in chunk}
        sent = set(
            Notification.objects.filter(idempotency_key__in=list(keys)).values_list(
                "idempotency_key", flat=True
            )
        )
        for key, subscription in keys.items():
            if key not in sent:
                _remind(subscription)
                count += 1
    return count


def signal_subscription_reminders_periodic() -> int:
    """The periodic job (every fifteen minutes)."""
    return signal_subscription_reminders_send()
