"""Slot computation (``availability.free_slots``) at its edges: buffers, breaks, rule date
ranges, overrides, DST, holidays, closures, branch hours, notice, advance, capacity,
which bookings occupy time, and the ``[from, to)`` range. A few cases go through the
engine's ``booking_create``, which must agree with the slots it offers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from teranga.core.errors import Conflict, ValidationFailed
from teranga.platform.organizations.tests.factories import (
    BranchFactory,
    ClosureFactory,
    OpeningHoursFactory,
)
from teranga.platform.scheduling import services
from teranga.platform.scheduling.availability import (
    SlotPolicy,
    free_slots,
    local_to_utc,
    zone,
)
from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    BookingStatus,
    OverrideKind,
)
from teranga.platform.scheduling.tests.factories import BusinessFactory

from .factories import (
    OFFERING,
    ONE_HOUR,
    client,
    day_slots,
    local_times,
    occupy,
    resource_with_rules,
    utc,
)

pytestmark = pytest.mark.django_db

NOW = utc(2026, 3, 1, 8)  # Sunday 1 March 2026, 08:00 in Dakar (UTC+0)
MONDAY = date(2026, 3, 2)
FULL_DAY = ["09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(resource, starts_at, policy=ONE_HOUR, *, offering=OFFERING, who=None, **extra):
    """Through the engine, as a product would."""
    return services.booking_create(
        resource=resource,
        client=who or client(),
        source="test",
        offering=offering,
        title="Test",
        starts_at=starts_at,
        policy=policy,
        **extra,
    )


def rule(resource, weekday, starts_at, ends_at, **fields):
    return AvailabilityRule.objects.create(
        organization=resource.organization,
        resource=resource,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )


def override(resource, day, kind, starts_at=None, ends_at=None):
    return AvailabilityOverride.objects.create(
        organization=resource.organization,
        resource=resource,
        date=day,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
    )


# --- Rules and breaks --------------------------------------------------------------------


def test_a_plain_day_steps_by_the_duration_around_the_break(frozen):
    resource = resource_with_rules()
    slots = day_slots(resource, MONDAY)
    assert local_times(slots) == FULL_DAY
    assert slots[0].starts_at == utc(2026, 3, 2, 9) and slots[0].ends_at == utc(2026, 3, 2, 10)
    assert {(s.capacity, s.remaining) for s in slots} == {(1, 1)}
    assert day_slots(resource, date(2026, 3, 8)) == []  # Sunday: no rule


def test_a_slot_never_runs_into_the_break_or_past_the_end(frozen):
    resource = resource_with_rules()
    ninety = SlotPolicy(duration=timedelta(minutes=90))
    # 12:00–13:30 would cross the break, 17:00–18:30 the end of the day.
    assert local_times(day_slots(resource, MONDAY, ninety)) == ["09:00", "10:30", "14:00", "15:30"]


def test_an_interval_shorter_than_the_duration(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(duration=timedelta(hours=1), interval=timedelta(minutes=30))
    times = local_times(day_slots(resource, MONDAY, policy))
    assert times[:3] == ["09:00", "09:30", "10:00"]
    assert "12:00" in times and "12:30" not in times  # 12:30–13:30 crosses the break
    assert times[-1] == "17:00"


def test_a_rule_applies_only_inside_its_date_range(frozen):
    resource = resource_with_rules(rules=False)
    rule(
        resource,
        0,
        time(9),
        time(12),
        valid_from=date(2026, 3, 9),
        valid_until=date(2026, 3, 16),
    )
    assert day_slots(resource, date(2026, 3, 2)) == []
    assert local_times(day_slots(resource, date(2026, 3, 9))) == ["09:00", "10:00", "11:00"]
    assert local_times(day_slots(resource, date(2026, 3, 16))) == ["09:00", "10:00", "11:00"]
    assert day_slots(resource, date(2026, 3, 23)) == []


def test_two_rules_of_one_day_give_both_windows(frozen):
    resource = resource_with_rules(rules=False)
    rule(resource, 0, time(8), time(10))
    rule(resource, 0, time(16), time(18))
    assert local_times(day_slots(resource, MONDAY)) == ["08:00", "09:00", "16:00", "17:00"]


# --- Buffers -------------------------------------------------------------------------------


def test_buffer_after_keeps_the_next_slot_free_of_the_previous_booking(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(
        duration=timedelta(hours=1),
        buffer_after=timedelta(minutes=15),
        interval=timedelta(minutes=15),
    )
    book(resource, utc(2026, 3, 2, 10), policy)  # occupies 10:00–11:15
    morning = [t for t in local_times(day_slots(resource, MONDAY, policy)) if t < "13:00"]
    # Nothing can end (with its own 15 min after) by 10:00; the next starts at 11:15.
    assert morning == ["11:15", "11:30", "11:45", "12:00"]


def test_buffer_before_keeps_the_previous_slot_clear(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(
        duration=timedelta(hours=1),
        buffer_before=timedelta(minutes=30),
        interval=timedelta(minutes=15),
    )
    book(resource, utc(2026, 3, 2, 10), policy)  # occupies 9:30–11:00
    morning = [t for t in local_times(day_slots(resource, MONDAY, policy)) if t < "13:00"]
    assert morning == ["11:30", "11:45", "12:00"]


def test_buffers_of_existing_bookings_count_even_for_a_service_without_any(frozen):
    resource = resource_with_rules()
    occupy(resource, utc(2026, 3, 2, 10), buffer_before=30, buffer_after=30)  # 9:30–11:30
    times = local_times(day_slots(resource, MONDAY))
    assert times[:3] == ["12:00", "14:00", "15:00"]


def test_the_engine_refuses_a_start_inside_a_buffer_and_accepts_the_first_one_after(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(
        duration=timedelta(hours=1),
        buffer_after=timedelta(minutes=15),
        interval=timedelta(minutes=15),
    )
    book(resource, utc(2026, 3, 2, 10), policy)
    with pytest.raises(Conflict) as error:
        book(resource, utc(2026, 3, 2, 11), policy)
    assert error.value.code == "slot_full"
    booking = book(resource, utc(2026, 3, 2, 11, 15), policy)
    assert booking.occupied_from == utc(2026, 3, 2, 11, 15)
    assert booking.occupied_until == utc(2026, 3, 2, 12, 30)


def test_the_engine_refuses_a_start_in_the_break_or_off_the_grid(frozen):
    resource = resource_with_rules()
    for starts_at in (utc(2026, 3, 2, 13), utc(2026, 3, 2, 9, 15), utc(2026, 3, 8, 10)):
        with pytest.raises(ValidationFailed) as error:
            book(resource, starts_at)
        assert error.value.code == "outside_availability"


# --- Overrides -------------------------------------------------------------------------------


def test_an_override_adds_hours_on_a_day_without_rules(frozen):
    resource = resource_with_rules()
    override(resource, date(2026, 3, 8), OverrideKind.AVAILABLE, time(10), time(12))
    assert local_times(day_slots(resource, date(2026, 3, 8))) == ["10:00", "11:00"]


def test_an_override_extends_a_day_and_can_fill_its_break(frozen):
    resource = resource_with_rules()
    override(resource, MONDAY, OverrideKind.AVAILABLE, time(18), time(20))
    override(resource, MONDAY, OverrideKind.AVAILABLE, time(13), time(14))
    ninety = SlotPolicy(duration=timedelta(minutes=90))
    # One window 9:00–20:00 once merged: slots run through the former break.
    assert local_times(day_slots(resource, MONDAY, ninety)) == [
        "09:00",
        "10:30",
        "12:00",
        "13:30",
        "15:00",
        "16:30",
        "18:00",
    ]
    assert local_times(day_slots(resource, date(2026, 3, 9), ninety)) == [
        "09:00",
        "10:30",
        "14:00",
        "15:30",
    ]


def test_an_override_takes_hours_away(frozen):
    resource = resource_with_rules()
    override(resource, MONDAY, OverrideKind.UNAVAILABLE, time(10), time(11, 30))
    # What is left of the morning is 9:00–10:00 and 11:30–13:00; slots step from the
    # start of each window.
    assert local_times(day_slots(resource, MONDAY)) == [
        "09:00",
        "11:30",
        "14:00",
        "15:00",
        "16:00",
        "17:00",
    ]
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 3, 2, 10))
    assert error.value.code == "outside_availability"


def test_an_override_takes_the_whole_day_away_even_with_extra_hours(frozen):
    resource = resource_with_rules()
    override(resource, MONDAY, OverrideKind.AVAILABLE, time(18), time(20))
    override(resource, MONDAY, OverrideKind.UNAVAILABLE)
    assert day_slots(resource, MONDAY) == []
    assert local_times(day_slots(resource, date(2026, 3, 3))) == FULL_DAY


# --- Time zones and daylight saving -------------------------------------------------------


def first_slot(resource, day, policy=ONE_HOUR):
    return day_slots(resource, day, policy)[0].starts_at


def test_paris_nine_o_clock_moves_in_utc_across_spring_forward(frozen):
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR")
    assert first_slot(resource, date(2026, 3, 27)) == utc(2026, 3, 27, 8)  # Friday, CET
    assert first_slot(resource, date(2026, 3, 28)) == utc(2026, 3, 28, 8)  # Saturday, CET
    assert first_slot(resource, date(2026, 3, 30)) == utc(2026, 3, 30, 7)  # Monday, CEST
    slots = day_slots(resource, date(2026, 3, 30))
    assert local_times(slots, "Europe/Paris") == FULL_DAY
    assert slots[-1].ends_at == utc(2026, 3, 30, 16)  # 18:00 CEST


def test_paris_nine_o_clock_moves_back_in_utc_across_fall_back(frozen):
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR")
    rule(resource, 6, time(9), time(12))  # Sundays too
    assert first_slot(resource, date(2026, 10, 24)) == utc(2026, 10, 24, 7)  # Saturday, CEST
    assert first_slot(resource, date(2026, 10, 25)) == utc(2026, 10, 25, 8)  # the day, CET
    assert first_slot(resource, date(2026, 10, 26)) == utc(2026, 10, 26, 8)  # Monday, CET
    assert len(day_slots(resource, date(2026, 10, 25))) == 3


def test_a_local_time_that_does_not_exist_is_never_offered(frozen):
    """29 March 2026: Paris clocks jump from 02:00 to 03:00."""
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR", rules=False)
    rule(resource, 6, time(1), time(4))
    half_hour = SlotPolicy(duration=timedelta(minutes=30))
    slots = day_slots(resource, date(2026, 3, 29), half_hour)
    assert local_times(slots, "Europe/Paris") == ["01:00", "01:30", "03:00", "03:30"]
    assert [s.starts_at for s in slots] == [
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 1, 30),
    ]
    # No two slots overlap in real time.
    assert all(a.ends_at <= b.starts_at for a, b in zip(slots, slots[1:], strict=False))
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), zone("Europe/Paris")) is None


def test_a_window_ending_at_a_time_that_does_not_exist_ends_at_the_jump(frozen):
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR", rules=False)
    rule(resource, 6, time(0), time(2, 30))
    policy = SlotPolicy(duration=timedelta(hours=1), interval=timedelta(minutes=30))
    slots = day_slots(resource, date(2026, 3, 29), policy)
    # The clocks jump at 01:00 UTC (02:00 CET -> 03:00 CEST): nothing may end later.
    assert max(s.ends_at for s in slots) == utc(2026, 3, 29, 1)
    assert local_times(slots, "Europe/Paris") == ["00:00", "00:30", "01:00"]


def test_an_ambiguous_local_time_is_offered_once(frozen):
    """25 October 2026: Paris clocks go back from 03:00 to 02:00; 02:00–02:59 happen twice."""
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR", rules=False)
    rule(resource, 6, time(1), time(4))
    half_hour = SlotPolicy(duration=timedelta(minutes=30))
    slots = day_slots(resource, date(2026, 10, 25), half_hour)
    times = local_times(slots, "Europe/Paris")
    assert times == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert times.count("02:30") == 1
    # The first occurrence (summer time, UTC+2) is the one offered.
    assert slots[3].starts_at == utc(2026, 10, 25, 0, 30)
    assert slots[4].starts_at == utc(2026, 10, 25, 2)  # 03:00 CET
    assert all(a.ends_at <= b.starts_at for a, b in zip(slots, slots[1:], strict=False))


def test_the_engine_books_paris_local_nine_at_the_right_utc_instant(frozen):
    resource = resource_with_rules(time_zone="Europe/Paris", country="FR")
    booking = book(resource, utc(2026, 3, 30, 7))
    assert booking.time_zone == "Europe/Paris"
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 3, 30, 6))  # 08:00 local: before opening
    assert error.value.code == "outside_availability"
    with pytest.raises(ValidationFailed):
        book(resource, utc(2026, 3, 27, 7))  # 08:00 local in winter time


def test_dakar_has_no_daylight_saving(frozen):
    resource = resource_with_rules()
    for day in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 10, 24), date(2026, 10, 26)):
        assert first_slot(resource, day) == utc(day.year, day.month, day.day, 9)
    assert local_times(day_slots(resource, date(2026, 7, 14))) == FULL_DAY


# --- Public holidays, closures, branch hours -----------------------------------------------


def test_senegal_independence_day_is_closed_unless_the_organisation_opts_out(frozen):
    independence = date(2026, 4, 4)
    assert independence.weekday() == 5  # a Saturday, normally open
    resource = resource_with_rules()
    assert day_slots(resource, independence) == []
    assert local_times(day_slots(resource, date(2026, 4, 3))) == FULL_DAY
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 4, 4, 10))
    assert error.value.code == "outside_availability"
    opted_out = resource_with_rules(holidays_opt_out=True)
    assert local_times(day_slots(opted_out, independence)) == FULL_DAY


@pytest.mark.parametrize("holiday", [date(2026, 7, 14), date(2026, 5, 1)])
def test_french_public_holidays_close_a_french_organisation(frozen, holiday):
    french = resource_with_rules(time_zone="Europe/Paris", country="FR")
    assert day_slots(french, holiday) == []
    opted_out = resource_with_rules(time_zone="Europe/Paris", country="FR", holidays_opt_out=True)
    assert len(day_slots(opted_out, holiday)) == 8


def test_a_french_holiday_is_a_working_day_in_senegal(frozen):
    assert local_times(day_slots(resource_with_rules(), date(2026, 7, 14))) == FULL_DAY


def test_an_organisation_closure_blocks_every_day_it_covers(frozen):
    resource = resource_with_rules()
    ClosureFactory(
        organization=resource.organization, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 3)
    )
    assert day_slots(resource, date(2026, 3, 2)) == []
    assert day_slots(resource, date(2026, 3, 3)) == []
    assert local_times(day_slots(resource, date(2026, 3, 4))) == FULL_DAY


def test_a_branch_closure_blocks_only_that_branch(frozen):
    organization = BusinessFactory()
    here, elsewhere = (
        BranchFactory(organization=organization),
        BranchFactory(organization=organization),
    )
    at_here = resource_with_rules(branch=here)
    no_branch = resource_with_rules(branch=None)
    no_branch.organization = organization
    no_branch.save()
    ClosureFactory(organization=organization, branch=elsewhere, starts_on=MONDAY, ends_on=MONDAY)
    assert local_times(day_slots(at_here, MONDAY)) == FULL_DAY  # another branch's closure
    ClosureFactory(organization=organization, branch=here, starts_on=MONDAY, ends_on=MONDAY)
    assert day_slots(at_here, MONDAY) == []
    assert local_times(day_slots(no_branch, MONDAY)) == FULL_DAY


def test_branch_opening_hours_bound_the_rules(frozen):
    organization = BusinessFactory()
    branch = BranchFactory(organization=organization)
    OpeningHoursFactory(branch=branch, weekday=0, opens_at=time(9), closes_at=time(17))
    resource = resource_with_rules(branch=branch, rules=False)
    for weekday in (0, 1):
        rule(resource, weekday, time(8), time(20))
    assert local_times(day_slots(resource, MONDAY)) == [f"{h:02}:00" for h in range(9, 17)]
    # The branch sets hours but none on Tuesday: closed that day.
    assert day_slots(resource, date(2026, 3, 3)) == []


def test_branch_opening_hours_with_a_break(frozen):
    branch = BranchFactory(organization=BusinessFactory())
    OpeningHoursFactory(
        branch=branch,
        weekday=0,
        opens_at=time(9),
        closes_at=time(17),
        break_start=time(12),
        break_end=time(13),
    )
    resource = resource_with_rules(branch=branch, rules=False)
    rule(resource, 0, time(8), time(20))
    assert "12:00" not in local_times(day_slots(resource, MONDAY))


def test_a_branch_without_opening_hours_does_not_bound_the_rules(frozen):
    branch = BranchFactory(organization=BusinessFactory())
    resource = resource_with_rules(branch=branch, rules=False)
    rule(resource, 0, time(8), time(20))
    assert local_times(day_slots(resource, MONDAY)) == [f"{h:02}:00" for h in range(8, 20)]


# --- Notice and advance --------------------------------------------------------------------


def test_minimum_notice_hides_the_slots_too_soon(frozen):
    resource = resource_with_rules()
    frozen.move_to(utc(2026, 3, 2, 10, 30))
    policy = SlotPolicy(duration=timedelta(hours=1), min_notice=timedelta(hours=1))
    assert local_times(day_slots(resource, MONDAY, policy))[0] == "12:00"
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 3, 2, 11), policy)
    assert error.value.code == "notice_too_short"


def test_minimum_notice_boundary_is_inclusive_in_both_places(frozen):
    resource = resource_with_rules()
    frozen.move_to(utc(2026, 3, 2, 10))
    policy = SlotPolicy(duration=timedelta(hours=1), min_notice=timedelta(hours=1))
    assert local_times(day_slots(resource, MONDAY, policy))[0] == "11:00"
    assert book(resource, utc(2026, 3, 2, 11), policy).starts_at == utc(2026, 3, 2, 11)


def test_slots_that_started_are_never_offered(frozen):
    resource = resource_with_rules()
    frozen.move_to(utc(2026, 3, 2, 9, 1))
    assert local_times(day_slots(resource, MONDAY))[0] == "10:00"
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 3, 2, 9))
    assert error.value.code == "booking_in_past"


def test_maximum_advance_hides_the_slots_too_far_ahead(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(duration=timedelta(hours=1), max_advance=timedelta(days=2))
    # now + 2 days = Tuesday 3 March 08:00
    assert local_times(day_slots(resource, MONDAY, policy)) == FULL_DAY
    assert day_slots(resource, date(2026, 3, 3), policy) == []
    with pytest.raises(ValidationFailed) as error:
        book(resource, utc(2026, 3, 3, 9), policy)
    assert error.value.code == "too_far_ahead"


def test_maximum_advance_boundary_agrees_between_slots_and_booking(frozen):
    resource = resource_with_rules()
    frozen.move_to(utc(2026, 3, 2, 9))
    policy = SlotPolicy(duration=timedelta(hours=1), max_advance=timedelta(days=1))
    edge = utc(2026, 3, 3, 9)  # exactly now + max_advance
    offered = edge in [s.starts_at for s in day_slots(resource, date(2026, 3, 3), policy)]
    try:
        book(resource, edge, policy)
        accepted = True
    except ValidationFailed:
        accepted = False
    assert offered == accepted


# --- Capacity --------------------------------------------------------------------------------


def test_capacity_counts_down_then_the_slot_is_full(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(duration=timedelta(hours=1), capacity=3)
    ten = utc(2026, 3, 2, 10)

    def remaining():
        return {s.starts_at: s.remaining for s in day_slots(resource, MONDAY, policy)}.get(ten)

    assert remaining() == 3
    book(resource, ten, policy)
    assert remaining() == 2
    book(resource, ten, policy)
    assert remaining() == 1
    book(resource, ten, policy)
    assert remaining() is None  # full: no longer offered
    with pytest.raises(Conflict) as error:
        book(resource, ten, policy)
    assert error.value.code == "slot_full"
    # The neighbours are untouched.
    assert {s.starts_at: s.remaining for s in day_slots(resource, MONDAY, policy)}[
        utc(2026, 3, 2, 11)
    ] == 3


def test_another_offering_on_the_same_resource_takes_the_whole_slot(frozen):
    resource = resource_with_rules()
    group = SlotPolicy(duration=timedelta(hours=1), capacity=5)
    book(resource, utc(2026, 3, 2, 10), ONE_HOUR, offering="test.other:2")
    assert "10:00" not in local_times(day_slots(resource, MONDAY, group))
    with pytest.raises(Conflict) as error:
        book(resource, utc(2026, 3, 2, 10), group)
    assert error.value.code == "slot_full"


def test_the_same_offering_at_another_overlapping_start_blocks_too(frozen):
    resource = resource_with_rules()
    policy = SlotPolicy(duration=timedelta(hours=1), capacity=5, interval=timedelta(minutes=30))
    book(resource, utc(2026, 3, 2, 10), policy)
    times = local_times(day_slots(resource, MONDAY, policy))
    assert "10:00" in times
    assert "09:30" not in times and "10:30" not in times


# --- Which bookings occupy time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "hold", "blocks"),
    [
        (BookingStatus.CONFIRMED, None, True),
        (BookingStatus.PENDING, None, True),  # awaiting the business's confirmation
        (BookingStatus.PENDING, timedelta(minutes=3), True),  # a live hold
        (BookingStatus.PENDING, timedelta(minutes=-1), False),  # an expired hold
        (BookingStatus.PENDING, timedelta(0), False),  # a hold that ends right now
        (BookingStatus.COMPLETED, None, True),
        (BookingStatus.NO_SHOW, None, True),
        (BookingStatus.CANCELLED_BY_CLIENT, None, False),
        (BookingStatus.CANCELLED_BY_BUSINESS, None, False),
        (BookingStatus.EXPIRED, None, False),
    ],
)
def test_which_statuses_occupy_the_slot(frozen, status, hold, blocks):
    resource = resource_with_rules()
    occupy(
        resource,
        utc(2026, 3, 2, 10),
        status=status,
        hold_expires_at=NOW + hold if hold is not None else None,
    )
    assert ("10:00" not in local_times(day_slots(resource, MONDAY))) is blocks


def test_bookings_of_other_resources_do_not_count(frozen):
    resource = resource_with_rules()
    other = resource_with_rules()
    occupy(other, utc(2026, 3, 2, 10))
    assert local_times(day_slots(resource, MONDAY)) == FULL_DAY


# --- The [from, to) range ----------------------------------------------------------------------


def test_the_range_is_from_inclusive_to_exclusive(frozen):
    resource = resource_with_rules()

    def between(start, end):
        return local_times(
            free_slots(resource, ONE_HOUR, offering=OFFERING, range_from=start, range_to=end)
        )

    assert between(utc(2026, 3, 2, 10), utc(2026, 3, 2, 12)) == ["10:00", "11:00"]
    # A slot starting exactly at `to` is left out; one starting before `from` too.
    assert between(utc(2026, 3, 2, 9, 30), utc(2026, 3, 2, 11)) == ["10:00"]
    # A slot that starts inside the range but ends after it is included.
    assert between(utc(2026, 3, 2, 11, 59), utc(2026, 3, 2, 12, 1)) == ["12:00"]
    assert between(utc(2026, 3, 2, 12), utc(2026, 3, 2, 12)) == []


def test_thirty_days_of_slots_in_one_call(frozen, django_assert_max_num_queries):
    resource = resource_with_rules()
    resource.organization  # loaded by the factory already
    with django_assert_max_num_queries(8):
        slots = free_slots(
            resource,
            ONE_HOUR,
            offering=OFFERING,
            range_from=utc(2026, 3, 2),
            range_to=utc(2026, 4, 1),
        )
    # 26 working days (Mon–Sat) in March from the 2nd, minus Eid al-Fitr (estimated, 20th).
    days = {s.starts_at.date() for s in slots}
    assert date(2026, 3, 20) not in days
    assert len(slots) == 8 * len(days)
