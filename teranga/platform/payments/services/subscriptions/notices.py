"""What the organisation's owners and admins are told about their subscription, and the
append-only history of it. Each notice's idempotency key names the subscription, the
event and its period (or payment), so a job run twice tells nobody twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import NotificationType, notification_type_register
from teranga.platform.organizations.models import Membership, Role

from ...links import SUBSCRIPTION
from ...models import Subscription, SubscriptionEvent
from .terms import next_amount

NOTIFY_ROLES = (Role.OWNER, Role.ADMIN)
CHANNELS = (Channel.EMAIL, Channel.WEBSOCKET)


def _date(value: Any, time_zone: str) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    try:
        local = moment.astimezone(ZoneInfo(time_zone or "Africa/Dakar"))
    except (ValueError, KeyError):
        local = moment
    locale = translation.to_locale(translation.get_language() or "fr")
    try:
        return format_date(local, "long", locale=locale)
    except (ValueError, LookupError):
        return format_date(local, "long", locale="fr")


def _f(ctx: dict[str, Any]) -> dict[str, str]:
    tz = ctx.get("time_zone", "Africa/Dakar")
    return {
        "organization": ctx.get("organization", ""),
        "plan": ctx.get("plan_name", ""),
        "end": _date(ctx.get("end"), tz),
        "grace": _date(ctx.get("grace_until"), tz),
        "amount": Money(int(ctx.get("amount", 0)), ctx.get("currency", "XOF")).format(),
    }


TYPES = {
    "activated": (
        lambda ctx: _("Subscription active"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s is active until %(end)s.")
        % _f(ctx),
    ),
    "renewed": (
        lambda ctx: _("Subscription renewed"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s is renewed until %(end)s.")
        % _f(ctx),
    ),
    "renewal_reminder": (
        lambda ctx: _("Your subscription ends soon"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s ends on %(end)s. Renew it "
                      "by paying %(amount)s.") % _f(ctx),
    ),
    "past_due": (
        lambda ctx: _("Subscription payment due"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s ended on %(end)s without "
                      "payment. Pay %(amount)s before %(grace)s to keep it.") % _f(ctx),
    ),
    "suspended": (
        lambda ctx: _("Subscription suspended"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s is suspended: it was not "
                      "paid. The free tier applies until you pay %(amount)s.") % _f(ctx),
    ),
    "cancelled": (
        lambda ctx: _("Subscription ended"),
        lambda ctx: _("The %(plan)s subscription of %(organization)s ended on %(end)s.")
        % _f(ctx),
    ),
}
#: What the preferences screen calls them.
LABELS = {
    "activated": gettext_lazy("Subscription activated"),
    "renewed": gettext_lazy("Subscription renewed"),
    "renewal_reminder": gettext_lazy("Subscription renewal reminders"),
    "past_due": gettext_lazy("Subscription payment due"),
    "suspended": gettext_lazy("Subscription suspended"),
    "cancelled": gettext_lazy("Subscription ended"),
}
for _name, (_title, _body) in TYPES.items():
    notification_type_register(
        NotificationType(
            name=f"subscription.{_name}",
            channels=CHANNELS,
            title=_title,
            body=_body,
            staff_only=True,
            label=LABELS.get(_name),
        )
    )


def notify(subscription: Subscription, event: str, key: str) -> None:
    """Tell the organisation's active owners and admins of ``event`` (once per ``key``)."""
    organization = subscription.organization
    context = {
        "subscription_id": str(subscription.pk),
        "organization": organization.name,
        "organization_id": str(organization.pk),
        "plan": subscription.plan.code,
        "plan_name": subscription.plan.name,
        "period": subscription.period,
        "status": subscription.status,
        "end": subscription.current_period_end,
        "grace_until": subscription.grace_until,
        "amount": next_amount(subscription),
        "currency": subscription.currency,
        "time_zone": organization.time_zone,
    }
    recipients = (
        Membership.objects.filter(
            organization=organization, role__in=NOTIFY_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("created_at")
    )
    for membership in recipients:
        notification_send(
            recipient=membership.user,
            kind=f"subscription.{event}",
            context=context,
            link=object_link(SUBSCRIPTION, organization.pk),
            idempotency_key=f"subscription:{subscription.pk}:{event}:{key}:{membership.user_id}",
        )


def event_record(
    subscription: Subscription, action: str, from_status: str, *, payment=None, **detail
) -> None:
    """Append to the subscription's history (``to_status`` is its status now)."""
    SubscriptionEvent.objects.create(
        subscription=subscription,
        action=action,
        from_status=from_status,
        to_status=subscription.status,
        payment=payment,
        detail={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()},
    )


def period_key(value: datetime | None) -> str:
    """The part of an idempotency key naming a period (its end, or its grace end)."""
    return value.isoformat() if value else "none"
