"""An organisation's local day: tickets are numbered per local day, the boards show
the day's calls and the SMS allowance counts by local month."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def local_day(organization, moment: datetime | None = None) -> date:
    """The date at ``moment`` (now by default) in the organisation's time zone."""
    moment = moment or timezone.now()
    return moment.astimezone(ZoneInfo(organization.time_zone)).date()
