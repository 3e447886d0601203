"""A series (weekly club meetings): one rule, one :class:`Event` per date.

The dates are the ``weekdays`` (0 = Monday) from ``first_date`` to ``last_date``, at
``start_time`` in the organiser's time zone, for ``duration_minutes``. Each is turned
into UTC with :mod:`zoneinfo` on its own date, so a meeting at 18:00 stays at 18:00 local
time across a change of daylight-saving time. A time that does not exist that day (the
hour skipped in spring) is taken with the offset before the change (18:30 in a skipped
18:00–19:00 hour is 19:30 local), as zoneinfo does. At most ``MAX_DATES`` dates.

Each date is an event of its own (its own ticket types, quotas and check-in); changing
one date changes only that event (``events.event_update``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.organizations.models import Organization

from ..errors import CampusError
from ..models import Event, EventSeries, EventStatus, TicketType
from .events import event_build, event_texts_check, event_texts_flag
from .moderation import moderated
from .ticket_types import ticket_type_create

#: At most this many dates in one series.
MAX_DATES = 60
#: What a date's copy of a ticket type takes from the original.
COPIED_TYPE_FIELDS = (
    "name",
    "description",
    "kind",
    "price",
    "tiers",
    "quota",
    "max_per_order",
    "is_active",
    "position",
)


def series_dates(*, weekdays: list[int], first_date: date, last_date: date) -> list[date]:
    """The dates from ``first_date`` to ``last_date`` on ``weekdays``, in order; 400
    ``series_too_many_dates`` past ``MAX_DATES``."""
    wanted = set(weekdays)
    dates = []
    day = first_date
    while day <= last_date:
        if day.weekday() in wanted:
            dates.append(day)
            if len(dates) > MAX_DATES:
                message = ngettext(
                    "A series has at most %(count)d date.",
                    "A series has at most %(count)d dates.",
                    MAX_DATES,
                ) % {"count": MAX_DATES}
                raise ValidationFailed(
                    message,
                    code=CampusError.SERIES_TOO_MANY_DATES,
                    fields={"last_date": [message]},
                )
        day += timedelta(days=1)
    return dates


def local_start(day: date, start_time: time, time_zone: str) -> datetime:
    """``start_time`` on ``day`` in ``time_zone``, as an aware UTC datetime."""
    local = datetime.combine(day, start_time.replace(tzinfo=None), tzinfo=ZoneInfo(time_zone))
    return local.astimezone(UTC)


@moderated
@transaction.atomic
def series_create(
    *,
    organization: Organization,
    title: str,
    weekdays: list[int],
    start_time: time,
    duration_minutes: int,
    first_date: date,
    last_date: date,
    publish: bool = False,
    copy_ticket_types_from=None,
    actor=None,
    now: datetime | None = None,
    **template: Any,
) -> EventSeries:
    """A series of ``organization`` and its events (drafts, or published with
    ``publish``), each made from ``template`` (the event's fields but its times).

    ``copy_ticket_types_from``: an event of the same organiser whose ticket types each
    date gets a copy of (name, kind, price, tiers, quota, limits; no sales window: the
    source's dates mean nothing for another date), created by ``actor`` through the
    tickets part's ``ticket_type_create`` (404 ``event_not_found`` for an event of
    another organiser). Shared quotas are not copied."""
    now = now or timezone.now()
    source_types = []
    if copy_ticket_types_from is not None:
        source = Event.objects.filter(organization=organization, pk=copy_ticket_types_from).first()
        if source is None:
            raise NotFound(
                _("The event to copy ticket types from is not one of this organiser's."),
                code=CampusError.EVENT_NOT_FOUND,
            )
        source_types = list(TicketType.objects.filter(event=source).order_by("position", "id"))
    if last_date < first_date:
        message = _("The last date must not be before the first.")
        raise ValidationFailed(message, fields={"last_date": [message]})
    template.pop("starts_at", None)
    template.pop("ends_at", None)
    dates = series_dates(weekdays=weekdays, first_date=first_date, last_date=last_date)
    duration = timedelta(minutes=duration_minutes)
    starts = [local_start(day, start_time, organization.time_zone) for day in dates]
    if publish:
        starts = [start for start in starts if start > now]
    if not starts:
        message = _("No date of the series falls between the first and the last date.")
        if publish:
            message = _("No date of the series is still to come.")
        raise ValidationFailed(
            message, code=CampusError.SERIES_NO_DATES, fields={"weekdays": [message]}
        )
    # Validate the template once (as the first date) before anything is written.
    first, tags = event_build(
        organization=organization,
        fields={
            **template,
            "title": title,
            "starts_at": starts[0],
            "ends_at": starts[0] + duration,
        },
    )
    # The texts, once (400 ``content_blocked``); flagged: every date opens its case.
    verdict = event_texts_check(first, user=actor)
    series = EventSeries.objects.create(
        organization=organization,
        title=title,
        weekdays=sorted(set(weekdays)),
        start_time=start_time,
        duration_minutes=duration_minutes,
        time_zone=organization.time_zone,
        first_date=first_date,
        last_date=last_date,
    )
    values = {
        field.attname: getattr(first, field.attname)
        for field in Event._meta.concrete_fields
        if field.attname not in {"id", "created_at", "updated_at", "starts_at", "ends_at"}
    }
    values["series_id"] = series.pk
    if publish:
        values.update(status=EventStatus.PUBLISHED, published_at=now)
    events = [Event(**values, starts_at=start, ends_at=start + duration) for start in starts]
    Event.objects.bulk_create(events)
    through = Event.tags.through
    through.objects.bulk_create(
        [through(event_id=event.pk, tag_id=tag.pk) for event in events for tag in tags]
    )
    for event in events:
        event_texts_flag(event, verdict, user=actor)
        for ticket_type in source_types:
            ticket_type_create(
                user=actor,
                event_id=event.pk,
                data={field: getattr(ticket_type, field) for field in COPIED_TYPE_FIELDS},
            )
    # bulk_create sends no signal: the public lists must not keep answers without them.
    from ..public_cache import events_changed

    events_changed()
    return series
