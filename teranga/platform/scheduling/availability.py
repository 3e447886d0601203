"""When a resource can be booked, and which slots are free.

Everything here is computed in the organisation's wall-clock time and converted to UTC
at the end, one local date at a time, so that a 9:00 slot stays at 9:00 across a
daylight-saving change (Europe/Paris) and a time that does not exist locally (the hour
skipped in spring) is never offered.

For one local date the open windows are:

1. nothing, on a closure of the organisation or of the resource's branch, or on a public
   holiday of the organisation's country (unless it opted out);
2. otherwise the weekly rules valid that day (minus their breaks), plus the overrides
   that add hours, minus the overrides that take hours (or the whole day) away;
3. bounded by the branch's opening hours when the branch has any.

Slots step through each window every ``interval`` (default: the duration) and must end
inside it. A slot is free when every booking overlapping it (buffers included) is of the
same offering at the same start and fewer than ``capacity`` of them exist.

Why this is hand-written: no maintained library computes bookable slots from
Django-stored rules, closures and bookings; ``holidays`` provides the holidays.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.db.models import Q
from django.utils import timezone

from teranga.platform.organizations.models import Closure, OpeningHours

from .hooks import external_busy
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    BookingStatus,
    OverrideKind,
    Resource,
)

Interval = tuple[datetime, datetime]  # naive local wall-clock times, start < end
#: The offering of a busy time from outside (``hooks.busy_sources``): it matches no
#: booking's, so nothing overlapping it is free.
EXTERNAL_BUSY = "teranga:external-busy"


@dataclass(frozen=True, slots=True)
class SlotPolicy:
    """What a product's offering asks of a slot."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    max_advance: timedelta | None = None
    capacity: int = 1
    interval: timedelta | None = None

    @property
    def step(self) -> timedelta:
        return self.interval or self.duration


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    capacity: int
    remaining: int


@dataclass(frozen=True, slots=True)
class Occupation:
    """A booking as the slot computation sees it."""

    occupied_from: datetime
    occupied_until: datetime
    offering: str
    starts_at: datetime


# --- Interval arithmetic on sorted, non-overlapping lists -----------------------------


def _normalise(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    result = intervals
    for h_start, h_end in holes:
        next_result: list[Interval] = []
        for start, end in result:
            if h_end <= start or h_start >= end:
                next_result.append((start, end))
                continue
            if start < h_start:
                next_result.append((start, h_start))
            if h_end < end:
                next_result.append((h_end, end))
        result = next_result
    return result


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def _period(day: date, opens: time, closes: time, break_start, break_end) -> list[Interval]:
    """One opening period of ``day`` minus its break."""
    window = [(datetime.combine(day, opens), datetime.combine(day, closes))]
    if break_start is not None and break_end is not None:
        window = _subtract(
            window, [(datetime.combine(day, break_start), datetime.combine(day, break_end))]
        )
    return window


# --- Time zones -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """``naive`` wall-clock time in ``tz`` as UTC, or None when that time does not exist
    (skipped by a daylight-saving change). An ambiguous time takes its first occurrence."""
    aware = naive.replace(tzinfo=tz)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return utc


def _boundary_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """A window boundary in UTC; a time skipped by a daylight-saving change maps to the
    instant of the jump (found by bisection: zoneinfo exposes no transition list)."""
    early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    late = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early >= late:  # exists, or ambiguous (fold=0: its first occurrence)
        return late
    while late - early > timedelta(seconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(tz).utcoffset() == early.astimezone(tz).utcoffset():
            early = middle
        else:
            late = middle
    return late.replace(microsecond=0)


# --- Public holidays --------------------------------------------------------------------


@lru_cache(maxsize=64)
def _holidays_of_year(country: str, year: int) -> tuple[tuple[date, str], ...]:
    try:
        calendar = holidays_lib.country_holidays(country, years=year)
    except NotImplementedError:
        return ()
    return tuple(sorted(calendar.items()))


def public_holidays(country: str, start: date, end: date) -> dict[date, str]:
    """The public holidays of ``country`` between ``start`` and ``end`` inclusive."""
    return {
        day: name
        for year in range(start.year, end.year + 1)
        for day, name in _holidays_of_year(country, year)
        if start <= day <= end
    }


# --- Loading what the computation needs (a fixed number of queries) -------------------


@dataclass
class AvailabilityData:
    resource: Resource
    tz: ZoneInfo
    rules_by_weekday: dict[int, list[AvailabilityRule]] = field(default_factory=dict)
    overrides_by_date: dict[date, list[AvailabilityOverride]] = field(default_factory=dict)
    closed_dates: set[date] = field(default_factory=set)
    #: weekday -> periods; None when the branch sets no opening hours (no bound).
    opening_hours: dict[int, list] | None = None


def load_availability(resource: Resource, start: date, end: date) -> AvailabilityData:
    """Everything that decides ``resource``'s windows from ``start`` to ``end``
    (inclusive): rules, overrides, closures, holidays and opening hours."""
    organization = resource.organization
    data = AvailabilityData(resource=resource, tz=zone(organization.time_zone))
    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(resource=resource).order_by("starts_at"):
        rules[rule.weekday].append(rule)
    data.rules_by_weekday = dict(rules)
    overrides: dict[date, list[AvailabilityOverride]] = defaultdict(list)
    for override in AvailabilityOverride.objects.filter(
        resource=resource, date__gte=start, date__lte=end
    ):
        overrides[override.date].append(override)
    data.overrides_by_date = dict(overrides)

    closures = Closure.objects.filter(
        organization_id=organization.pk, starts_on__lte=end, ends_on__gte=start
    )
    closures = closures.filter(Q(branch__isnull=True) | Q(branch_id=resource.branch_id))
    for starts_on, ends_on in closures.values_list("starts_on", "ends_on"):
        day = max(starts_on, start)
        while day <= min(ends_on, end):
            data.closed_dates.add(day)
            day += timedelta(days=1)
    if not organization.holidays_opt_out:
        data.closed_dates.update(public_holidays(organization.country, start, end))

    if resource.branch_id:
        hours: dict[int, list] = defaultdict(list)
        for period in OpeningHours.objects.filter(branch_id=resource.branch_id):
            hours[period.weekday].append(period)
        data.opening_hours = dict(hours) if hours else None
    return data


def day_windows(data: AvailabilityData, day: date) -> list[Interval]:
    """The open windows of one local date (naive wall-clock intervals)."""
    if day in data.closed_dates:
        return []
    windows: list[Interval] = []
    for rule in data.rules_by_weekday.get(day.weekday(), ()):
        if rule.valid_from and day < rule.valid_from:
            continue
        if rule.valid_until and day > rule.valid_until:
            continue
        windows.extend(_period(day, rule.starts_at, rule.ends_at, rule.break_start, rule.break_end))
    removed: list[Interval] = []
    for override in data.overrides_by_date.get(day, ()):
        if override.kind == OverrideKind.AVAILABLE and not override.whole_day:
            windows.append(
                (datetime.combine(day, override.starts_at), datetime.combine(day, override.ends_at))
            )
        elif override.kind == OverrideKind.UNAVAILABLE:
            if override.whole_day:
                return []
            removed.append(
                (datetime.combine(day, override.starts_at), datetime.combine(day, override.ends_at))
            )
    windows = _subtract(_normalise(windows), removed)
    if data.opening_hours is not None:
        opening: list[Interval] = []
        for period in data.opening_hours.get(day.weekday(), ()):
            opening.extend(
                _period(
                    day, period.opens_at, period.closes_at, period.break_start, period.break_end
                )
            )
        windows = _intersect(windows, _normalise(opening))
    return windows


def windows_utc(data: AvailabilityData, start: date, end: date) -> list[tuple[datetime, datetime]]:
    """Every open window from local date ``start`` to ``end`` inclusive, in UTC."""
    result = []
    day = start
    while day <= end:
        for w_start, w_end in day_windows(data, day):
            result.append((_boundary_to_utc(w_start, data.tz), _boundary_to_utc(w_end, data.tz)))
        day += timedelta(days=1)
    return result


# --- Candidates and occupancy ---------------------------------------------------------


def _local_dates(tz: ZoneInfo, range_from: datetime, range_to: datetime) -> tuple[date, date]:
    first = range_from.astimezone(tz).date()
    last = (range_to - timedelta(microseconds=1)).astimezone(tz).date()
    return first, last


def candidate_starts(
    data: AvailabilityData, policy: SlotPolicy, range_from: datetime, range_to: datetime
) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every slot inside the windows that starts in
    ``[range_from, range_to)``, ignoring bookings, notice and advance limits."""
    first, last = _local_dates(data.tz, range_from, range_to)
    step = policy.step
    result = []
    day = first
    while day <= last:
        for w_start, w_end in day_windows(data, day):
            w_end_utc = _boundary_to_utc(w_end, data.tz)
            cursor = w_start
            while cursor < w_end:
                start_utc = local_to_utc(cursor, data.tz)
                if start_utc is not None:
                    end_utc = start_utc + policy.duration
                    if end_utc > w_end_utc:
                        break
                    if range_from <= start_utc < range_to:
                        result.append((start_utc, end_utc))
                cursor += step
        day += timedelta(days=1)
    return result


def occupying_q(now: datetime) -> Q:
    """Bookings that take time: confirmed or done, or pending with a live (or no) hold."""
    return Q(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
    ) | (
        Q(status=BookingStatus.PENDING)
        & (Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
    )


def load_occupations(
    resource: Resource,
    range_from: datetime,
    range_to: datetime,
    *,
    now: datetime,
    exclude_booking=None,
) -> list[Occupation]:
    """Occupying bookings of ``resource`` overlapping ``[range_from, range_to)``, and the
    resource's other busy times (``hooks.busy_sources``: an external calendar) as
    occupations of no offering, sorted by ``occupied_from`` (one query, plus one per
    busy source)."""
    queryset = Booking.objects.filter(
        occupying_q(now),
        resource=resource,
        occupied_from__lt=range_to,
        occupied_until__gt=range_from,
    )
    if exclude_booking is not None:
        queryset = queryset.exclude(pk=exclude_booking)
    rows = queryset.order_by("occupied_from").values_list(
        "occupied_from", "occupied_until", "offering", "starts_at"
    )
    occupations = [Occupation(*row) for row in rows]
    busy = external_busy(resource, range_from, range_to)
    if busy:
        occupations.extend(Occupation(start, end, EXTERNAL_BUSY, start) for start, end in busy)
        occupations.sort(key=lambda occupation: occupation.occupied_from)
    return occupations


class OccupancyIndex:
    """Answers "what overlaps [a, b)?" over bookings sorted by start, in O(log n + k)."""

    def __init__(self, occupations: Sequence[Occupation]) -> None:
        self.items = list(occupations)
        self.starts = [o.occupied_from for o in self.items]
        self.longest = max(
            (o.occupied_until - o.occupied_from for o in self.items), default=timedelta(0)
        )

    def overlapping(self, start: datetime, end: datetime) -> list[Occupation]:
        index = bisect.bisect_left(self.starts, end)
        found = []
        lower = start - self.longest
        i = index - 1
        while i >= 0 and self.starts[i] >= lower:
            item = self.items[i]
            if item.occupied_until > start:
                found.append(item)
            i -= 1
        return found


def remaining_capacity(
    index: OccupancyIndex, policy: SlotPolicy, offering: str, start: datetime, end: datetime
) -> int:
    """How many more bookings the slot takes: 0 when anything else is in the way."""
    overlapping = index.overlapping(start - policy.buffer_before, end + policy.buffer_after)
    for item in overlapping:
        if item.offering != offering or item.starts_at != start:
            return 0
    return max(policy.capacity - len(overlapping), 0)


def free_slots(
    resource: Resource,
    policy: SlotPolicy,
    *,
    offering: str,
    range_from: datetime,
    range_to: datetime,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots of ``offering`` on ``resource`` starting in ``[range_from,
    range_to)``, within the notice and advance limits. Six queries whatever the range."""
    now = now or timezone.now()
    earliest = max(range_from, now + policy.min_notice)
    latest = range_to
    if policy.max_advance is not None:
        latest = min(latest, now + policy.max_advance)
    if earliest >= latest:
        return []
    tz = zone(resource.organization.time_zone)
    first, last = _local_dates(tz, earliest, latest)
    data = load_availability(resource, first, last)
    candidates = candidate_starts(data, policy, earliest, latest)
    if not candidates:
        return []
    margin = policy.buffer_before + policy.buffer_after
    index = OccupancyIndex(
        load_occupations(resource, candidates[0][0] - margin, candidates[-1][1] + margin, now=now)
    )
    slots = []
    for start, end in candidates:
        remaining = remaining_capacity(index, policy, offering, start, end)
        if remaining > 0:
            slots.append(Slot(start, end, policy.capacity, remaining))
    return slots
