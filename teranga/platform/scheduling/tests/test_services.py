"""The engine's writes: rules (overlaps, bulk, generation), overrides, the booking
lifecycle and its history, the cancellation and reschedule policy, holds, and the
re-check that flags (never cancels) bookings an availability change leaves out."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine

from teranga.core.errors import Conflict, Gone, NotFound, ValidationFailed
from teranga.platform.organizations.models import Role, VerificationStatus
from teranga.platform.organizations.tests.factories import BranchFactory, member
from teranga.platform.scheduling import services
from teranga.platform.scheduling.availability import SlotPolicy
from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    BookingEvent,
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
    resource_with_rules,
    utc,
)

pytestmark = pytest.mark.django_db

NOW = utc(2026, 3, 1, 8)  # Sunday 1 March 2026, 08:00 in Dakar (UTC+0)
MONDAY = date(2026, 3, 2)
MONDAY_10 = utc(2026, 3, 2, 10)
HALF_HOURLY = SlotPolicy(duration=timedelta(hours=1), interval=timedelta(minutes=30))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(resource, starts_at=MONDAY_10, policy=ONE_HOUR, *, who=None, **extra):
    return services.booking_create(
        resource=resource,
        client=who if who is not None else client(),
        source="test",
        offering=OFFERING,
        title="Test",
        starts_at=starts_at,
        policy=policy,
        **extra,
    )


def history(booking) -> list[tuple[str, str, str]]:
    return list(
        BookingEvent.objects.filter(booking=booking)
        .order_by("created_at")
        .values_list("action", "from_status", "to_status")
    )


def window(weekday=0, start=9, end=12, **extra):
    return {"weekday": weekday, "starts_at": time(start), "ends_at": time(end), **extra}


# --- Rules: overlaps, bulk, generation -----------------------------------------------------


class TestRules:
    def create(self, resource, **fields):
        return services.rule_create(
            organization=resource.organization, resource_id=resource.pk, **fields
        )

    def test_an_overlapping_rule_is_rejected_with_a_clear_code(self):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window(0, 9, 12))
        with pytest.raises(ValidationFailed) as error:
            self.create(resource, **window(0, 11, 14))
        assert error.value.code == "rule_overlap"
        assert "starts_at" in error.value.fields
        assert AvailabilityRule.objects.filter(resource=resource).count() == 1

    def test_touching_rules_and_other_weekdays_are_fine(self):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window(0, 9, 12))
        self.create(resource, **window(0, 12, 15))
        self.create(resource, **window(1, 9, 12))
        assert AvailabilityRule.objects.filter(resource=resource).count() == 3

    def test_the_same_hours_in_separate_date_ranges_are_fine(self):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window(valid_from=date(2026, 3, 1), valid_until=date(2026, 3, 31)))
        self.create(resource, **window(valid_from=date(2026, 4, 1), valid_until=date(2026, 4, 30)))
        assert AvailabilityRule.objects.filter(resource=resource).count() == 2

    @pytest.mark.parametrize(
        ("valid_from", "valid_until"),
        [
            (date(2026, 3, 31), date(2026, 5, 31)),  # shares one day with March
            (None, date(2026, 3, 15)),  # open start
            (date(2026, 3, 15), None),  # open end
            (None, None),  # always
        ],
    )
    def test_overlapping_date_ranges_are_rejected(self, valid_from, valid_until):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window(valid_from=date(2026, 3, 1), valid_until=date(2026, 3, 31)))
        with pytest.raises(ValidationFailed) as error:
            self.create(
                resource, **window(0, 10, 14, valid_from=valid_from, valid_until=valid_until)
            )
        assert error.value.code == "rule_overlap"

    def test_a_rule_of_another_resource_never_overlaps(self):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window())
        other = resource_with_rules(rules=False)
        self.create(other, **window())
        assert AvailabilityRule.objects.count() == 2

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            (window(0, 12, 9), "ends_at"),
            (window(7), "weekday"),
            (window(0, 9, 17, break_start=time(12)), "break_end"),
            (window(0, 9, 17, break_start=time(8), break_end=time(10)), "break_start"),
            (window(valid_from=date(2026, 4, 1), valid_until=date(2026, 3, 1)), "valid_until"),
        ],
    )
    def test_bad_rules_are_rejected_field_by_field(self, fields, field):
        resource = resource_with_rules(rules=False)
        with pytest.raises(ValidationFailed) as error:
            self.create(resource, **fields)
        assert error.value.code == "invalid"
        assert field in error.value.fields
        assert not AvailabilityRule.objects.exists()

    def test_unknown_fields_are_refused(self):
        resource = resource_with_rules(rules=False)
        with pytest.raises(ValidationFailed) as error:
            self.create(resource, **window(), colour="red")
        assert "colour" in error.value.fields

    def test_another_organisations_resource_is_not_found(self):
        resource = resource_with_rules(rules=False)
        with pytest.raises(NotFound):
            services.rule_create(
                organization=BusinessFactory(), resource_id=resource.pk, **window()
            )
        assert not AvailabilityRule.objects.exists()

    def test_bulk_creation_is_all_or_none(self):
        resource = resource_with_rules(rules=False)
        created = services.rules_create(
            organization=resource.organization,
            resource_id=resource.pk,
            rules=[window(0), window(1), window(2, 14, 18)],
        )
        assert len(created) == 3
        with pytest.raises(ValidationFailed) as error:
            services.rules_create(
                organization=resource.organization,
                resource_id=resource.pk,
                rules=[window(3), window(4), window(3, 10, 11)],  # the third hits the first
            )
        assert error.value.code == "rule_overlap"
        assert set(error.value.fields["rules"]) == {"2"}
        with pytest.raises(ValidationFailed) as error:
            services.rules_create(
                organization=resource.organization,
                resource_id=resource.pk,
                rules=[window(5), window(5, 14, 12)],
            )
        assert set(error.value.fields["rules"]) == {"1"}
        with pytest.raises(ValidationFailed):
            services.rules_create(
                organization=resource.organization, resource_id=resource.pk, rules=[]
            )
        assert AvailabilityRule.objects.filter(resource=resource).count() == 3

    def test_generation_makes_one_dated_rule_per_weekday(self, frozen):
        resource = resource_with_rules(rules=False)
        rules = services.rules_generate(
            organization=resource.organization,
            resource_id=resource.pk,
            weekdays=[3, 0, 0],
            starts_at=time(9),
            ends_at=time(17),
            break_start=time(12),
            break_end=time(13),
            valid_from=date(2026, 3, 1),
            valid_until=date(2026, 6, 30),
        )
        assert sorted(r.weekday for r in rules) == [0, 3]
        assert {(r.valid_from, r.valid_until) for r in rules} == {
            (date(2026, 3, 1), date(2026, 6, 30))
        }
        assert local_times(day_slots(resource, MONDAY))[:3] == ["09:00", "10:00", "11:00"]
        assert day_slots(resource, date(2026, 3, 3)) == []  # Tuesday
        assert day_slots(resource, date(2026, 7, 6)) == []  # a Monday after 30 June

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"weekdays": []}, "weekdays"),
            ({"valid_until": date(2026, 2, 1)}, "valid_until"),
            ({"ends_at": time(8)}, "ends_at"),
        ],
    )
    def test_bad_generation_creates_nothing(self, extra, field):
        resource = resource_with_rules(rules=False)
        arguments = {
            "weekdays": [0, 1],
            "starts_at": time(9),
            "ends_at": time(17),
            "valid_from": date(2026, 3, 1),
            "valid_until": date(2026, 6, 30),
            **extra,
        }
        with pytest.raises(ValidationFailed) as error:
            services.rules_generate(
                organization=resource.organization, resource_id=resource.pk, **arguments
            )
        assert field in str(error.value.fields)
        assert not AvailabilityRule.objects.exists()

    def test_generation_over_an_existing_rule_creates_nothing(self):
        resource = resource_with_rules(rules=False)
        self.create(resource, **window(1, 16, 18))
        with pytest.raises(ValidationFailed) as error:
            services.rules_generate(
                organization=resource.organization,
                resource_id=resource.pk,
                weekdays=[0, 1],
                starts_at=time(9),
                ends_at=time(17),
                valid_from=date(2026, 3, 1),
                valid_until=date(2026, 6, 30),
            )
        assert error.value.code == "rule_overlap"
        assert AvailabilityRule.objects.filter(resource=resource).count() == 1

    def test_an_update_may_not_overlap_either(self):
        resource = resource_with_rules(rules=False)
        first = self.create(resource, **window(0, 9, 12))
        self.create(resource, **window(0, 14, 18))
        moved = services.rule_update(
            organization=resource.organization, rule_id=first.pk, ends_at=time(13)
        )
        assert moved.ends_at == time(13)
        with pytest.raises(ValidationFailed) as error:
            services.rule_update(
                organization=resource.organization, rule_id=first.pk, ends_at=time(15)
            )
        assert error.value.code == "rule_overlap"
        first.refresh_from_db()
        assert first.ends_at == time(13)


# --- Overrides -------------------------------------------------------------------------------


class TestOverrides:
    def create(self, resource, **fields):
        return services.override_create(
            organization=resource.organization, resource_id=resource.pk, **fields
        )

    def test_extra_hours_then_deleting_them(self, frozen):
        resource = resource_with_rules()
        sunday = date(2026, 3, 8)
        extra = self.create(
            resource, date=sunday, kind=OverrideKind.AVAILABLE, starts_at=time(10), ends_at=time(12)
        )
        assert local_times(day_slots(resource, sunday)) == ["10:00", "11:00"]
        services.override_delete(organization=resource.organization, override_id=extra.pk)
        assert day_slots(resource, sunday) == []

    def test_a_whole_day_off(self, frozen):
        resource = resource_with_rules()
        self.create(resource, date=MONDAY, kind=OverrideKind.UNAVAILABLE, reason="Formation")
        assert day_slots(resource, MONDAY) == []

    @pytest.mark.parametrize(
        "fields",
        [
            {"kind": OverrideKind.AVAILABLE},  # extra hours need hours
            {"kind": OverrideKind.UNAVAILABLE, "starts_at": time(10)},  # one time only
            {"kind": OverrideKind.UNAVAILABLE, "ends_at": time(10)},
            {"kind": OverrideKind.AVAILABLE, "starts_at": time(12), "ends_at": time(10)},
        ],
    )
    def test_bad_overrides_create_nothing(self, fields):
        resource = resource_with_rules()
        with pytest.raises(ValidationFailed):
            self.create(resource, date=MONDAY, **fields)
        assert not AvailabilityOverride.objects.exists()

    def test_another_organisations_override_is_not_found(self):
        resource = resource_with_rules()
        override = self.create(resource, date=MONDAY, kind=OverrideKind.UNAVAILABLE)
        with pytest.raises(NotFound):
            services.override_delete(organization=BusinessFactory(), override_id=override.pk)
        assert AvailabilityOverride.objects.filter(pk=override.pk).exists()


# --- Booking creation and lifecycle ------------------------------------------------------------


class TestLifecycle:
    def test_a_direct_booking_is_confirmed_with_its_history(self, frozen):
        resource = resource_with_rules()
        who = client()
        booking = book(resource, who=who)
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.confirmed_at == NOW
        assert (booking.starts_at, booking.ends_at) == (MONDAY_10, MONDAY_10 + timedelta(hours=1))
        assert booking.time_zone == "Africa/Dakar" and booking.hold_expires_at is None
        assert history(booking) == [("created", "", "confirmed")]
        assert BookingEvent.objects.get(booking=booking).actor == who

    def test_pending_confirmed_completed(self, frozen):
        resource = resource_with_rules()
        booking = book(resource, confirm=False)
        assert booking.status == BookingStatus.PENDING and booking.hold_expires_at is None
        staff = member(resource.organization, Role.MANAGER)
        booking = services.booking_confirm(booking_id=booking.pk, actor=staff)
        assert booking.status == BookingStatus.CONFIRMED
        with pytest.raises(Conflict) as error:
            services.booking_complete(booking_id=booking.pk, actor=staff)
        assert error.value.code == "booking_not_started"
        frozen.move_to(MONDAY_10 + timedelta(minutes=5))
        booking = services.booking_complete(booking_id=booking.pk, actor=staff)
        assert booking.status == BookingStatus.COMPLETED
        assert history(booking) == [
            ("created", "", "pending"),
            ("confirmed", "pending", "confirmed"),
            ("completed", "confirmed", "completed"),
        ]
        assert BookingEvent.objects.filter(booking=booking, action="confirmed").get().actor == staff
        # A finished booking does not move any more.
        for attempt in (
            lambda: services.booking_cancel(booking_id=booking.pk, by_client=False),
            lambda: services.booking_no_show(booking_id=booking.pk),
            lambda: services.booking_confirm(booking_id=booking.pk),
        ):
            with pytest.raises(Conflict) as error:
                attempt()
            assert error.value.code == "invalid_transition"
        assert len(history(booking)) == 3

    def test_no_show(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        frozen.move_to(MONDAY_10 + timedelta(minutes=30))
        booking = services.booking_no_show(booking_id=booking.pk)
        assert booking.status == BookingStatus.NO_SHOW
        assert history(booking)[-1] == ("no_show", "confirmed", "no_show")

    def test_a_cancelled_booking_stays_cancelled(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        services.booking_cancel(booking_id=booking.pk, by_client=False, reason="Fermeture")
        for attempt in (
            lambda: services.booking_confirm(booking_id=booking.pk),
            lambda: services.booking_cancel(booking_id=booking.pk, by_client=True),
        ):
            with pytest.raises(Conflict) as error:
                attempt()
            assert error.value.code == "invalid_transition"
        with pytest.raises(Conflict) as error:
            services.booking_reschedule(
                booking_id=booking.pk,
                starts_at=MONDAY_10 + timedelta(hours=1),
                policy=ONE_HOUR,
                by_client=False,
            )
        assert error.value.code == "invalid_transition"

    @pytest.mark.parametrize(
        ("starts_at", "code"),
        [
            (NOW - timedelta(hours=1), "booking_in_past"),
            (utc(2026, 3, 2, 13), "outside_availability"),
            (utc(2026, 3, 1, 10), "outside_availability"),  # a Sunday
        ],
    )
    def test_a_bad_time_is_refused_with_a_code(self, frozen, starts_at, code):
        resource = resource_with_rules()
        with pytest.raises(ValidationFailed) as error:
            book(resource, starts_at)
        assert error.value.code == code
        assert not Booking.objects.exists()

    def test_an_unverified_organisation_or_inactive_resource_takes_no_booking(self, frozen):
        resource = resource_with_rules(verification_status=VerificationStatus.PENDING)
        with pytest.raises(Conflict) as error:
            book(resource)
        assert error.value.code == "organization_not_verified"
        inactive = resource_with_rules()
        inactive.is_active = False
        inactive.save()
        with pytest.raises(Conflict) as error:
            book(inactive)
        assert error.value.code == "resource_inactive"
        assert not Booking.objects.exists()

    def test_a_client_cannot_hold_two_overlapping_bookings(self, frozen):
        who = client()
        book(resource_with_rules(), who=who)
        with pytest.raises(Conflict) as error:
            book(resource_with_rules(), MONDAY_10 + timedelta(minutes=30), HALF_HOURLY, who=who)
        assert error.value.code == "client_overlap"
        # Back to back is fine.
        book(resource_with_rules(), MONDAY_10 + timedelta(hours=1), who=who)
        assert Booking.objects.filter(client=who).count() == 2


# --- Cancellation and reschedule policy -------------------------------------------------------


class TestPolicy:
    NOTICE = timedelta(hours=24)

    def test_a_client_cannot_cancel_inside_the_notice(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)  # Monday 10:00; now is Sunday 08:00: 26 h ahead
        frozen.move_to(MONDAY_10 - self.NOTICE + timedelta(minutes=1))
        with pytest.raises(Conflict) as error:
            services.booking_cancel(booking_id=booking.pk, by_client=True, notice=self.NOTICE)
        assert error.value.code == "cancellation_too_late"
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED and booking.cancelled_at is None
        assert history(booking) == [("created", "", "confirmed")]

    def test_a_client_can_cancel_before_the_notice(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        frozen.move_to(MONDAY_10 - self.NOTICE)  # exactly the notice: still allowed
        booking = services.booking_cancel(
            booking_id=booking.pk, by_client=True, notice=self.NOTICE, reason="Empêché"
        )
        assert booking.status == BookingStatus.CANCELLED_BY_CLIENT
        assert booking.cancellation_reason == "Empêché"
        assert history(booking)[-1] == ("cancelled", "confirmed", "cancelled_by_client")
        # The slot is free again.
        assert "10:00" in local_times(day_slots(resource, MONDAY))

    def test_the_business_may_cancel_inside_the_notice(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        frozen.move_to(MONDAY_10 - timedelta(minutes=10))
        staff = member(resource.organization, Role.MANAGER)
        booking = services.booking_cancel(
            booking_id=booking.pk, by_client=False, notice=self.NOTICE, actor=staff, reason="Panne"
        )
        assert booking.status == BookingStatus.CANCELLED_BY_BUSINESS
        event = BookingEvent.objects.get(booking=booking, action="cancelled")
        assert (event.actor, event.reason) == (staff, "Panne")

    def test_a_client_reschedules_to_a_free_slot(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        moved = services.booking_reschedule(
            booking_id=booking.pk,
            starts_at=utc(2026, 3, 3, 15),
            policy=ONE_HOUR,
            by_client=True,
            notice=self.NOTICE,
        )
        assert (moved.starts_at, moved.ends_at) == (utc(2026, 3, 3, 15), utc(2026, 3, 3, 16))
        assert moved.occupied_from == utc(2026, 3, 3, 15)
        event = BookingEvent.objects.get(booking=booking, action="rescheduled")
        assert (event.previous_starts_at, event.starts_at) == (MONDAY_10, utc(2026, 3, 3, 15))
        assert "10:00" in local_times(day_slots(resource, MONDAY))
        assert "15:00" not in local_times(day_slots(resource, date(2026, 3, 3)))

    def test_reschedule_refusals(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        book(resource, utc(2026, 3, 2, 11))

        def move(starts_at, **extra):
            arguments = {"policy": ONE_HOUR, "by_client": True, "notice": self.NOTICE, **extra}
            return services.booking_reschedule(
                booking_id=booking.pk, starts_at=starts_at, **arguments
            )

        with pytest.raises(Conflict) as error:
            move(utc(2026, 3, 2, 11))
        assert error.value.code == "slot_full"
        with pytest.raises(ValidationFailed) as error:
            move(MONDAY_10)
        assert error.value.code == "same_time"
        with pytest.raises(ValidationFailed) as error:
            move(utc(2026, 3, 2, 13))
        assert error.value.code == "outside_availability"
        frozen.move_to(MONDAY_10 - timedelta(hours=2))
        with pytest.raises(Conflict) as error:
            move(utc(2026, 3, 2, 15))
        assert error.value.code == "reschedule_too_late"
        booking.refresh_from_db()
        assert booking.starts_at == MONDAY_10
        # The business may, and ignores the minimum notice of the offering.
        strict = SlotPolicy(duration=timedelta(hours=1), min_notice=timedelta(hours=12))
        moved = move(utc(2026, 3, 2, 12), policy=strict, by_client=False)
        assert moved.starts_at == utc(2026, 3, 2, 12)

    def test_a_client_cannot_reschedule_onto_their_own_other_booking(self, frozen):
        who = client()
        booking = book(resource_with_rules(), who=who)
        book(resource_with_rules(), utc(2026, 3, 2, 15), who=who)
        with pytest.raises(Conflict) as error:
            services.booking_reschedule(
                booking_id=booking.pk,
                starts_at=utc(2026, 3, 2, 15),
                policy=ONE_HOUR,
                by_client=True,
            )
        assert error.value.code == "client_overlap"


# --- Holds ----------------------------------------------------------------------------------


class TestHolds:
    def test_a_hold_blocks_the_slot_for_five_minutes(self, frozen):
        resource = resource_with_rules()
        hold = book(resource, hold=True)
        assert hold.status == BookingStatus.PENDING
        assert hold.hold_expires_at == NOW + timedelta(minutes=5)
        assert "10:00" not in local_times(day_slots(resource, MONDAY))
        with pytest.raises(Conflict) as error:
            book(resource)
        assert error.value.code == "slot_full"
        frozen.move_to(NOW + timedelta(minutes=4, seconds=59))
        assert "10:00" not in local_times(day_slots(resource, MONDAY))
        frozen.move_to(NOW + timedelta(minutes=5))
        assert "10:00" in local_times(day_slots(resource, MONDAY))
        # Another client takes it; the lapsed hold is marked expired, with history.
        taken = book(resource)
        assert taken.status == BookingStatus.CONFIRMED
        hold.refresh_from_db()
        assert hold.status == BookingStatus.EXPIRED
        assert history(hold) == [("created", "", "pending"), ("expired", "pending", "expired")]

    def test_a_hold_confirmed_in_time(self, frozen):
        resource = resource_with_rules()
        hold = book(resource, hold=True)
        frozen.move_to(NOW + timedelta(minutes=4))
        booking = services.booking_confirm(booking_id=hold.pk)
        assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
        frozen.move_to(NOW + timedelta(minutes=10))
        assert "10:00" not in local_times(day_slots(resource, MONDAY))

    def test_confirming_an_expired_hold_is_gone(self, frozen):
        resource = resource_with_rules()
        hold = book(resource, hold=True)
        frozen.move_to(NOW + timedelta(minutes=5, seconds=1))
        with pytest.raises(Gone) as error:
            services.booking_confirm(booking_id=hold.pk)
        assert error.value.code == "hold_expired"
        assert error.value.status_code == 410
        hold.refresh_from_db()
        assert hold.status == BookingStatus.PENDING
        assert history(hold) == [("created", "", "pending")]

    def test_confirming_a_hold_after_the_expiry_job_ran_is_gone_too(self, frozen):
        resource = resource_with_rules()
        hold = book(resource, hold=True)
        frozen.move_to(NOW + timedelta(minutes=6))
        assert services.holds_expire() == 1
        with pytest.raises(Gone) as error:
            services.booking_confirm(booking_id=hold.pk)
        assert error.value.code == "hold_expired"

    def test_a_clients_own_lapsed_hold_does_not_block_them(self, frozen):
        resource = resource_with_rules()
        who = client()
        book(resource, hold=True, who=who)
        frozen.move_to(NOW + timedelta(minutes=6))
        again = book(resource_with_rules(), who=who)  # same time, another resource
        assert again.status == BookingStatus.CONFIRMED


# --- Availability changes flag bookings, never cancel them --------------------------------


class TestRecheck:
    def assert_flagged(self, booking):
        booking.refresh_from_db()
        assert booking.needs_attention is True
        assert booking.attention_reason
        assert booking.status == BookingStatus.CONFIRMED
        assert history(booking)[-1] == ("flagged", "confirmed", "confirmed")

    def test_an_unavailable_override_flags_the_booking(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        untouched = book(resource, utc(2026, 3, 2, 15))
        services.override_create(
            organization=resource.organization,
            resource_id=resource.pk,
            date=MONDAY,
            kind=OverrideKind.UNAVAILABLE,
            starts_at=time(9),
            ends_at=time(12),
        )
        self.assert_flagged(booking)
        untouched.refresh_from_db()
        assert untouched.needs_attention is False
        # Taking the override back clears the flag (and says so in the history).
        services.override_delete(
            organization=resource.organization,
            override_id=AvailabilityOverride.objects.get(resource=resource).pk,
        )
        booking.refresh_from_db()
        assert booking.needs_attention is False
        assert history(booking)[-1] == ("unflagged", "confirmed", "confirmed")

    def test_deleting_a_rule_flags_the_booking(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        monday_rule = AvailabilityRule.objects.get(resource=resource, weekday=0)
        services.rule_delete(organization=resource.organization, rule_id=monday_rule.pk)
        self.assert_flagged(booking)
        assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1

    def test_shrinking_a_rule_flags_only_what_falls_out(self, frozen):
        resource = resource_with_rules()
        early, late = book(resource), book(resource, utc(2026, 3, 2, 17))
        monday_rule = AvailabilityRule.objects.get(resource=resource, weekday=0)
        services.rule_update(
            organization=resource.organization, rule_id=monday_rule.pk, ends_at=time(17)
        )
        self.assert_flagged(late)
        early.refresh_from_db()
        assert early.needs_attention is False

    def test_an_organisation_closure_through_the_api_flags_the_booking(
        self, frozen, client_for, django_capture_on_commit_callbacks
    ):
        resource = resource_with_rules()
        booking = book(resource)
        other_day = book(resource, utc(2026, 3, 3, 10))
        owner = member(resource.organization, Role.OWNER)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(owner).post(
                f"/api/v1/organizations/{resource.organization.pk}/closures/",
                {"starts_on": "2026-03-02", "ends_on": "2026-03-02", "reason": "Inventaire"},
                format="json",
            )
        assert response.status_code == 201, response.content
        self.assert_flagged(booking)
        other_day.refresh_from_db()
        assert other_day.needs_attention is False
        assert not Booking.objects.exclude(status=BookingStatus.CONFIRMED).exists()

    def test_a_closure_of_another_branch_flags_nothing(
        self, frozen, client_for, django_capture_on_commit_callbacks
    ):
        organization = BusinessFactory()
        here = BranchFactory(organization=organization)
        elsewhere = BranchFactory(organization=organization)
        resource = resource_with_rules(branch=here)
        booking = book(resource)
        owner = member(organization, Role.OWNER)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(owner).post(
                f"/api/v1/organizations/{organization.pk}/closures/",
                {"branch": str(elsewhere.pk), "starts_on": "2026-03-02", "ends_on": "2026-03-02"},
                format="json",
            )
        assert response.status_code == 201, response.content
        booking.refresh_from_db()
        assert booking.needs_attention is False
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(owner).post(
                f"/api/v1/organizations/{organization.pk}/closures/",
                {"branch": str(here.pk), "starts_on": "2026-03-02", "ends_on": "2026-03-02"},
                format="json",
            )
        assert response.status_code == 201, response.content
        self.assert_flagged(booking)

    def test_a_flagged_booking_is_unflagged_by_rescheduling_it(self, frozen):
        resource = resource_with_rules()
        booking = book(resource)
        services.override_create(
            organization=resource.organization,
            resource_id=resource.pk,
            date=MONDAY,
            kind=OverrideKind.UNAVAILABLE,
        )
        self.assert_flagged(booking)
        moved = services.booking_reschedule(
            booking_id=booking.pk, starts_at=utc(2026, 3, 3, 10), policy=ONE_HOUR, by_client=False
        )
        assert moved.needs_attention is False and moved.attention_reason == ""

    def test_past_and_cancelled_bookings_are_left_alone(self, frozen):
        resource = resource_with_rules()
        cancelled = book(resource)
        services.booking_cancel(booking_id=cancelled.pk, by_client=False)
        flagged = services.bookings_recheck(organization_id=resource.organization.pk)
        assert flagged == []
        services.override_create(
            organization=resource.organization,
            resource_id=resource.pk,
            date=MONDAY,
            kind=OverrideKind.UNAVAILABLE,
        )
        cancelled.refresh_from_db()
        assert cancelled.needs_attention is False
