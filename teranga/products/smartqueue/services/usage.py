"""The plan's SMS allowance (``sms_per_month``): every SMS SmartQueue sends for an
organisation — intake replies, "your turn" by SMS — takes one unit first.

The month's row is locked while it is checked and incremented, so concurrent senders
never go past the limit. The month is the organisation's local calendar month.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from teranga.platform.payments.services.subscriptions import subscription_limits

from ..models import SmsUsage
from ..selectors.days import local_day


def month_of(organization, now=None):
    return local_day(organization, now or timezone.now()).replace(day=1)


@transaction.atomic
def sms_quota_take(*, organization, count: int = 1, now=None) -> bool:
    """Take ``count`` SMS from this month's allowance; False (nothing taken) when the
    plan's limit would be passed."""
    month = month_of(organization, now)
    SmsUsage.objects.get_or_create(organization=organization, month=month)
    usage = SmsUsage.objects.select_for_update().get(organization=organization, month=month)
    limit = subscription_limits(organization=organization).get("sms_per_month")
    if limit is not None and usage.count + count > limit:
        return False
    usage.count += count
    usage.save(update_fields=["count"])
    return True


def sms_used(*, organization, now=None) -> int:
    row = SmsUsage.objects.filter(organization=organization, month=month_of(organization, now))
    return row.values_list("count", flat=True).first() or 0
