"""Reads of the member space: one member's dashboard at one academy.

:func:`member_space` gathers, for ``user`` at ``organization`` (an academy), each widget
the member's settings (:func:`space_widgets`) switch on; a widget switched off is None and
none of its queries run:

* ``formations``: the member's enrolments at the academy (cancelled ones left out), newest
  first, each with the completion rate ``me/enrolments/`` computes
  (``selectors.member_enrolments``); at most :data:`FORMATIONS_MAX`;
* ``next_sessions``: the next :data:`NEXT_SESSIONS_MAX` sessions (not cancelled, not over)
  of the formations the member has an active enrolment in;
* ``signals``: the member's signal subscription at the academy (their plan and its end,
  None before they chose one), whether it runs now (a subscriber:
  ``selectors_signals.subscription_runs``) and, if so, the academy's
  :data:`RECENT_SIGNALS_MAX` latest signals; else an empty list;
* ``payments``: the member's last :data:`PAYMENTS_MAX` payments to the academy, as
  ``me/payments/`` answers them (formation, invoice);
* ``notifications``: the member's unread count and latest :data:`NOTIFICATIONS_MAX`
  notifications (the notifications module's inbox: the member's own, as the bell shows);
* ``trading``: a summary (``stats.account_stats``, without the curve and the breakdowns)
  of the member's :data:`TRADING_ACCOUNTS_MAX` most recent trading accounts (a trading
  account is the member's own, not the academy's).

Only the academy's rows appear (formations, sessions, signals, payments); trading accounts
and notifications are the member's own. The number of queries is fixed: it does not grow
with the number of enrolments, sessions, signals, payments, notifications or trades (each
trading account summarised costs two, and there are at most :data:`TRADING_ACCOUNTS_MAX`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.selectors import (
    notifications_of,
    notifications_unread_count,
)
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.organizations.models import Organization, OrganizationKind

from . import selectors, selectors_signals, stats
from .models import EnrolmentStatus, Session, SessionStatus
from .models_space import MEMBER_SPACE_WIDGETS, MemberSpaceSettings

FORMATIONS_MAX = 20
NEXT_SESSIONS_MAX = 5
RECENT_SIGNALS_MAX = 5
PAYMENTS_MAX = 5
NOTIFICATIONS_MAX = 5
TRADING_ACCOUNTS_MAX = 3
#: What ``trading`` leaves out of ``stats.account_stats`` (the account's stats endpoint
#: answers them).
TRADING_DETAILS = ("equity_curve", "by_instrument", "by_month")


def space_organization(*, organization_id) -> Organization:
    """The academy of a member space: 404 ``organization_not_found`` when there is no
    such organisation or it is not an academy."""
    key = parse_uuid(organization_id)
    organization = (
        Organization.objects.filter(pk=key, kind=OrganizationKind.ACADEMY).first() if key else None
    )
    if organization is None:
        raise NotFound(code=OrganizationError.ORGANIZATION_NOT_FOUND)
    return organization


def space_widgets(*, user, organization: Organization) -> dict[str, bool]:
    """The member's widget toggles at the academy (every one on until they change one)."""
    row = MemberSpaceSettings.objects.filter(user=user, organization=organization).first()
    if row is None:
        return dict.fromkeys(MEMBER_SPACE_WIDGETS, True)
    return row.widgets()


def _formations(user, organization, now):
    return list(
        selectors.member_enrolments(user=user, now=now)
        .filter(organization=organization)
        .exclude(status=EnrolmentStatus.CANCELLED)[:FORMATIONS_MAX]
    )


def _next_sessions(user, organization, now):
    return list(
        Session.objects.filter(
            organization=organization,
            formation__enrolments__user=user,
            formation__enrolments__status=EnrolmentStatus.ACTIVE,
            status=SessionStatus.SCHEDULED,
            ends_at__gt=now,
        )
        .select_related("formation")
        .order_by("starts_at", "id")[:NEXT_SESSIONS_MAX]
    )


def _signals(user, organization, now) -> dict[str, Any]:
    subscription = selectors_signals.member_signal_subscription(
        user=user, organization_id=organization.pk
    )
    if not selectors_signals.subscription_runs(subscription, now):
        return {"is_subscriber": False, "subscription": subscription, "recent": []}
    recent = selectors_signals.organization_signals(organization=organization).order_by(
        "-published_at", "-id"
    )[:RECENT_SIGNALS_MAX]
    return {"is_subscriber": True, "subscription": subscription, "recent": list(recent)}


def _payments(user, organization):
    payments = list(
        selectors.member_payments(user=user).filter(organization=organization)[:PAYMENTS_MAX]
    )
    if not payments:
        return []
    return selectors.payment_rows(user=user, payments=payments)


def _notifications(user) -> dict[str, Any]:
    return {
        "unread_count": notifications_unread_count(user=user),
        "recent": list(notifications_of(user=user)[:NOTIFICATIONS_MAX]),
    }


def _trading(user) -> list[dict[str, Any]]:
    summaries = []
    for account in stats.member_accounts(user=user)[:TRADING_ACCOUNTS_MAX]:
        summary = stats.account_stats(account=account)
        for name in TRADING_DETAILS:
            summary.pop(name, None)
        summaries.append(summary)
    return summaries


def member_space(*, user, organization: Organization, now: datetime | None = None) -> dict:
    """The member's dashboard at the academy (see the module): the widgets switched on,
    None for the others."""
    now = now or timezone.now()
    widgets = space_widgets(user=user, organization=organization)
    builders = {
        "formations": lambda: _formations(user, organization, now),
        "next_sessions": lambda: _next_sessions(user, organization, now),
        "signals": lambda: _signals(user, organization, now),
        "payments": lambda: _payments(user, organization),
        "notifications": lambda: _notifications(user),
        "trading": lambda: _trading(user),
    }
    space: dict[str, Any] = {"organization": organization, "widgets": widgets}
    for name in MEMBER_SPACE_WIDGETS:
        space[name] = builders[name]() if widgets[name] else None
    return space
