"""Reads of the Academy's trading signals, scoped to who may see them.

Who sees an academy's signals:

* **its staff** (agents and above) and platform staff (``academy.signals.view``);
* **its subscribers**: members whose signal subscription at the academy runs now
  (``SignalSubscription``, ``starts_at <= now < ends_at``), bought with one of the
  academy's signal plans through the payments module (``services.plans``). A paid
  enrolment in a formation does **not** grant the signals: the seed sells them apart
  ("Signaux de trading" beside the formations), and one rule is easier to explain and
  to check. :func:`is_subscriber` is the one place that says so (one indexed query: the
  subscription is unique per member and academy), :func:`signal_subscribers` the list
  (one query, on the ``(organization, ends_at)`` index).

Anyone else asking for an academy's list or statistics gets 403
``signals_subscription_required``; a signal they may not read, or one of another
organisation, answers 404 ``signal_not_found``.

Statistics (:func:`signal_stats`) count the signals that ended with a price (stopped, TP3
hit, closed): a **win** has a positive result in pips, a **loss** a negative one, a
**break-even** zero; the **win rate** is wins over those signals; the **average R** is the
mean of their results in R (the move from the entry to the exit over the distance from the
entry to the initial stop-loss); **total pips** is the sum of their results in pips (points
for indices and crypto). Open signals (open, TP1 or TP2 hit) are counted apart; cancelled
ones are left out. Per month is by the month the signal ended, in the academy's time zone.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import can, decide, get_organization_for, membership_of
from teranga.platform.organizations.models import Organization, OrganizationKind

from .errors import AcademyError
from .models_plans import SignalPlan, SignalSubscription
from .models_signals import Signal, SignalStatus, SignalUpdate

SIGNALS_MANAGE = "academy.signals.manage"
SIGNALS_VIEW = "academy.signals.view"
#: The link kind of a signal (``teranga.core.links``).
SIGNAL_LINK = "academy.signal"
#: A signal still running.
RUNNING = (SignalStatus.OPEN, SignalStatus.TP1_HIT, SignalStatus.TP2_HIT)
#: A signal that ended with a price (it has a result).
RESULTED = (SignalStatus.STOPPED, SignalStatus.TP3_HIT, SignalStatus.CLOSED)
#: At most this many open signals in a socket's snapshot.
SNAPSHOT_SIZE = 50


def _signal_missing() -> NotFound:
    return NotFound(_("No such signal."), code=AcademyError.SIGNAL_NOT_FOUND)


def subscription_required() -> Forbidden:
    return Forbidden(
        _("Signals are for the academy's subscribers: members with an active plan."),
        code=AcademyError.SIGNALS_SUBSCRIPTION_REQUIRED,
    )


def is_staff_reader(user, organization: Organization) -> bool:
    return can(user, organization, SIGNALS_VIEW)


def is_subscriber(user, organization_id, *, now=None) -> bool:
    """A member whose signal subscription at the academy runs now (one query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    now = now or timezone.now()
    return SignalSubscription.objects.filter(
        organization_id=organization_id, user=user, starts_at__lte=now, ends_at__gt=now
    ).exists()


def subscription_runs(subscription: SignalSubscription | None, now=None) -> bool:
    """Whether this subscription (read already) makes its member a subscriber now: the
    rule of :func:`is_subscriber`, for a row in hand."""
    if subscription is None or subscription.starts_at is None or subscription.ends_at is None:
        return False
    now = now or timezone.now()
    return subscription.starts_at <= now < subscription.ends_at


def may_read_signals(user, organization: Organization) -> bool:
    return is_staff_reader(user, organization) or is_subscriber(user, organization.pk)


def signals_organization(*, user, organization_id) -> Organization:
    """The academy whose signals ``user`` reads: 404 ``organization_not_found`` when there
    is none (or not an academy), 403 ``signals_subscription_required`` for a user who is
    neither its staff nor a subscriber."""
    from teranga.platform.organizations.errors import OrganizationError

    key = parse_uuid(organization_id)
    organization = (
        Organization.objects.filter(pk=key, kind=OrganizationKind.ACADEMY).first() if key else None
    )
    if organization is None:
        raise NotFound(code=OrganizationError.ORGANIZATION_NOT_FOUND)
    if not may_read_signals(user, organization):
        raise subscription_required()
    return organization


def signals_organization_for_staff(*, user, organization_id) -> Organization:
    """The academy where ``user`` publishes signals (404 / 403 from the access rules)."""
    return get_organization_for(user, organization_id, SIGNALS_MANAGE)


def signal_get(*, user, signal_id, manage: bool = False) -> Signal:
    """The signal if ``user`` may read it (staff of its academy or a subscriber), or, with
    ``manage``, change it (agents and above: 403 for a member whose role is too low).
    404 ``signal_not_found`` otherwise."""
    key = parse_uuid(signal_id)
    signal = (
        Signal.objects.select_related("organization", "author").filter(pk=key).first()
        if key
        else None
    )
    if signal is None:
        raise _signal_missing()
    organization = signal.organization
    if manage:
        if can(user, organization, SIGNALS_MANAGE):
            return signal
        if may_read_signals(user, organization):  # a reader, not an author: 403
            raise Forbidden()
        raise _signal_missing()
    if not may_read_signals(user, organization):
        raise _signal_missing()
    return signal


def organization_signals(*, organization: Organization) -> QuerySet[Signal]:
    return Signal.objects.filter(organization=organization).select_related("author")


def signal_updates(*, signal: Signal) -> QuerySet[SignalUpdate]:
    return SignalUpdate.objects.filter(signal=signal).select_related("author")


def signal_subscribers(*, organization_id, now=None) -> list:
    """The users who receive the academy's signals: its subscribers (one query)."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    return list(
        get_user_model()
        .objects.filter(
            academy_signal_subscriptions__organization_id=organization_id,
            academy_signal_subscriptions__starts_at__lte=now,
            academy_signal_subscriptions__ends_at__gt=now,
            is_active=True,
        )
        .order_by("pk")
    )


def signal_data(signal: Signal) -> dict:
    """A signal as the socket and the notifications carry it (JSON values)."""

    def text(value) -> str | None:
        return None if value is None else str(value)

    return {
        "id": str(signal.pk),
        "organization": str(signal.organization_id),
        "instrument": signal.instrument,
        "direction": signal.direction,
        "entry": text(signal.entry),
        "stop_loss": text(signal.stop_loss),
        "tp1": text(signal.tp1),
        "tp2": text(signal.tp2),
        "tp3": text(signal.tp3),
        "note": signal.note,
        "status": signal.status,
        "published_at": signal.published_at.isoformat(),
        "closed_at": signal.closed_at.isoformat() if signal.closed_at else None,
        "exit_price": text(signal.exit_price),
        "result_pips": text(signal.result_pips),
        "result_r": text(signal.result_r),
    }


def update_data(update: SignalUpdate) -> dict:
    return {
        "id": str(update.pk),
        "kind": update.kind,
        "status": update.status,
        "stop_loss": str(update.stop_loss),
        "price": None if update.price is None else str(update.price),
        "note": update.note,
        "created_at": update.created_at.isoformat(),
    }


def open_signals_data(*, organization_id) -> list[dict]:
    """The running signals of an academy, newest first (a socket's snapshot)."""
    rows = Signal.objects.filter(organization_id=organization_id, status__in=RUNNING)
    return [signal_data(signal) for signal in rows.order_by("-published_at")[:SNAPSHOT_SIZE]]


# --- Statistics ------------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _metrics(row: dict) -> dict:
    ended = int(row.get("ended") or 0)
    wins = int(row.get("wins") or 0)
    average_r = row.get("average_r")
    return {
        "signals": int(row.get("signals") or 0),
        "running": int(row.get("running") or 0),
        "ended": ended,
        "wins": wins,
        "losses": int(row.get("losses") or 0),
        "breakevens": int(row.get("breakevens") or 0),
        "win_rate": _rate(wins, ended),
        "average_r": None
        if average_r is None
        else Decimal(str(average_r)).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "total_pips": Decimal(str(row.get("total_pips") or 0)).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        ),
    }


def _aggregates() -> dict:
    ended = Q(status__in=RESULTED)
    return {
        "signals": Count("pk"),
        "running": Count("pk", filter=Q(status__in=RUNNING)),
        "ended": Count("pk", filter=ended),
        "wins": Count("pk", filter=ended & Q(result_pips__gt=0)),
        "losses": Count("pk", filter=ended & Q(result_pips__lt=0)),
        "breakevens": Count("pk", filter=ended & Q(result_pips=0)),
        "average_r": Avg("result_r", filter=ended),
        "total_pips": Sum("result_pips", filter=ended),
    }


def signal_stats(*, organization: Organization) -> dict:
    """The academy's performance over all its signals (cancelled ones left out): overall,
    per instrument and per month (the month each signal ended, in the academy's time
    zone). Three queries."""
    base = Signal.objects.filter(organization=organization).exclude(status=SignalStatus.CANCELLED)
    overall = base.order_by().aggregate(**_aggregates())
    per_instrument = [
        {"instrument": row["instrument"], **_metrics(row)}
        for row in base.order_by()
        .values("instrument")
        .annotate(**_aggregates())
        .order_by("instrument")
    ]
    zone = ZoneInfo(organization.time_zone or "UTC")
    per_month = [
        {"month": row["month"].astimezone(zone).strftime("%Y-%m"), **_metrics(row)}
        for row in base.filter(status__in=RESULTED, closed_at__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("closed_at", tzinfo=zone))
        .values("month")
        .annotate(**_aggregates())
        .order_by("month")
    ]
    return {
        "organization": organization.pk,
        **_metrics(overall),
        "per_instrument": per_instrument,
        "per_month": per_month,
    }


# --- Signal plans ----------------------------------------------------------------------------
#: Create, change and deactivate the academy's plans (managers and above).
SIGNAL_PLANS_MANAGE = "academy.signal_plans.manage"
#: List an academy's active plans: anyone when it is verified, its members otherwise.
SIGNAL_PLANS_VIEW = "academy.signal_plans.view"
#: The payable of a member's signal subscription (``payments``: ``target_type``).
SIGNAL_SUBSCRIPTION_PAYABLE = "academy.signal_subscription"


def _plan_missing() -> NotFound:
    return NotFound(_("No such signal plan."), code=AcademyError.SIGNAL_PLAN_NOT_FOUND)


def may_manage_plans(user, organization: Organization) -> bool:
    return can(user, organization, SIGNAL_PLANS_MANAGE)


def organization_signal_plans(*, user, organization: Organization) -> QuerySet[SignalPlan]:
    """The academy's plans by position: every one for its managers and above, the active
    ones for anyone else."""
    plans = SignalPlan.objects.filter(organization=organization).order_by("position", "name", "id")
    if not may_manage_plans(user, organization):
        plans = plans.filter(is_active=True)
    return plans


def signal_plan_get(*, user, plan_id, manage: bool = False) -> SignalPlan:
    """The plan if ``user`` may read it (an active plan: anyone; an inactive one: the
    academy's managers and above) or, with ``manage``, change it (403 for a member of the
    academy whose role is too low). 404 ``signal_plan_not_found`` otherwise (another
    organisation's plan included)."""
    key = parse_uuid(plan_id)
    plan = SignalPlan.objects.select_related("organization").filter(pk=key).first() if key else None
    if plan is None:
        raise _plan_missing()
    organization = plan.organization
    verdict = decide(user, organization, SIGNAL_PLANS_MANAGE, membership_of(user, organization.pk))
    if manage:
        if verdict == "forbid":
            raise Forbidden()
        if verdict != "allow":
            raise _plan_missing()
        return plan
    if not plan.is_active and verdict != "allow":
        raise _plan_missing()
    return plan


def member_signal_subscriptions(*, user) -> QuerySet[SignalSubscription]:
    """The member's signal subscriptions (one per academy), the latest ending first, with
    their plan and academy."""
    return (
        SignalSubscription.objects.filter(user=user)
        .select_related("plan", "organization")
        .order_by(F("ends_at").desc(nulls_last=True), "-created_at", "id")
    )


def member_signal_subscription(*, user, organization_id) -> SignalSubscription | None:
    return (
        SignalSubscription.objects.filter(user=user, organization_id=organization_id)
        .select_related("plan", "organization")
        .first()
    )


def signal_subscription_of_payer(*, payer, subscription_id) -> SignalSubscription:
    """The payer's own subscription (404 ``signal_subscription_not_found`` for anyone
    else's, or none)."""
    key = parse_uuid(subscription_id)
    subscription = (
        SignalSubscription.objects.select_related("plan", "organization")
        .filter(pk=key, user=payer)
        .first()
        if key and getattr(payer, "is_authenticated", False)
        else None
    )
    if subscription is None:
        raise NotFound(
            _("No such signal subscription."), code=AcademyError.SIGNAL_SUBSCRIPTION_NOT_FOUND
        )
    return subscription
