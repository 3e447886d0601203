"""Serializers of reservations, their actions, statistics and exports. Input serializers
refuse unknown fields (400); output serializers only read."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from teranga.core.masking import mask_email
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import BaseModelSerializer, Serializer
from teranga.platform.scheduling.models import BookingStatus

from ..exports import FORMATS
from ..models import PaymentMode, Reservation
from ..selectors.reservations import (
    GROUP_BY_CHOICES,
    ORDERINGS,
    STATS_MAX_DAYS,
    ReservationFilters,
    Side,
    reservation_permissions,
)

# --- Input ---------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its UTC offset (``Z`` or ``+01:00``):
    a bare local time would be ambiguous across organisations' time zones."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its UTC offset, e.g. 2026-03-02T09:00:00Z.")
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return value.astimezone(UTC)


class ReservationCreateSerializer(Serializer):
    service = serializers.UUIDField(help_text="The service to book.")
    starts_at = AwareDateTimeField(help_text="Start of a free slot (as the slots endpoint gives).")
    client_note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default=""
    )
    hold = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep the slot for 5 minutes, pending; confirm it (POST …/confirm/) to "
        "keep it, or it expires. A service paid online (`online_full`, `deposit`) is always "
        "held, whatever this says: its payment confirms it.",
    )


class ReservationCancelSerializer(Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    as_business = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A member of the organisation who is also the client acts as the business.",
    )


class ReservationRescheduleSerializer(Serializer):
    starts_at = AwareDateTimeField(help_text="The new start: a free slot of the same service.")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    as_business = serializers.BooleanField(required=False, default=False)


class ReservationListQuerySerializer(Serializer):
    """Filters of the reservation list (and of the export)."""

    organization = serializers.UUIDField(
        required=False,
        help_text="List this organisation's reservations (its agents and above, and staff). "
        "Without it: my own reservations.",
    )
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=BookingStatus.choices),
        required=False,
        help_text="Repeat to give several (`status=pending&status=confirmed`).",
    )
    date_from = serializers.DateField(
        required=False,
        help_text="Reservations starting on or after this date: in the organisation's time "
        "zone with `organization`, otherwise in UTC.",
    )
    date_to = serializers.DateField(
        required=False, help_text="Reservations starting on or before this date (inclusive)."
    )
    service = serializers.UUIDField(required=False)
    needs_attention = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With `organization` only: reservations an availability change left "
        "outside the availability (true) or not (false).",
    )
    ordering = serializers.ChoiceField(
        choices=[(value, value) for value in ORDERINGS], required=False, default="starts_at"
    )

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": [_("The end date must not be before the start date.")]}
            )
        if attrs.get("needs_attention") is not None and not attrs.get("organization"):
            raise serializers.ValidationError(
                {"needs_attention": [_("Only an organisation's list has this filter.")]}
            )
        return attrs

    def filters(self) -> ReservationFilters:
        data = self.validated_data
        return ReservationFilters(
            statuses=tuple(dict.fromkeys(data.get("status") or ())),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            service_id=data.get("service"),
            needs_attention=data.get("needs_attention"),
            ordering=data.get("ordering") or "starts_at",
        )


class ReservationExportQuerySerializer(ReservationListQuerySerializer):
    organization = serializers.UUIDField(help_text="The organisation whose reservations to export.")
    format = serializers.ChoiceField(
        choices=[(value, value) for value in FORMATS],
        required=False,
        default="csv",
        help_text="`csv` (default) or `pdf`.",
    )


class StatsQuerySerializer(Serializer):
    organization = serializers.UUIDField()
    group_by = serializers.ChoiceField(
        choices=[(value, value) for value in GROUP_BY_CHOICES],
        required=False,
        default="day",
        help_text="`day`, `week` (ISO weeks, from Monday), `month` or `service`.",
    )

    def get_fields(self):
        # "from" is a Python keyword: these two are declared here.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            help_text="First day (inclusive), in the organisation's time zone."
        )
        fields["to"] = serializers.DateField(
            help_text=f"Last day (inclusive); at most {STATS_MAX_DAYS} days after `from`."
        )
        return fields

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if start > end:
            raise serializers.ValidationError(
                {"to": [_("The end date must not be before the start date.")]}
            )
        if (end - start).days > STATS_MAX_DAYS:
            raise serializers.ValidationError(
                {"to": [_("At most %(days)s days at once.") % {"days": STATS_MAX_DAYS}]}
            )
        return attrs


# --- Output --------------------------------------------------------------------------------


class MoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (XOF has none, EUR has cents).")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    display = serializers.CharField(help_text="Formatted for people.")


class ReservedServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    duration_minutes = serializers.IntegerField()


class ReservationOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    time_zone = serializers.CharField()


class ReservationClientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = PhoneNumberField(allow_null=True)


class ReservationGuestSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="E.164, verified by an SMS code.")


class ReservationSerializer(BaseModelSerializer):
    reference = serializers.SerializerMethodField(help_text="Short reference for people.")
    organization = ReservationOrganizationSerializer(read_only=True)
    service = ReservedServiceSerializer(read_only=True)
    client = ReservationClientSerializer(
        source="booking.client",
        read_only=True,
        allow_null=True,
        help_text="The client's account; null for a guest of the public booking page.",
    )
    guest = serializers.SerializerMethodField(
        help_text="A guest of the public booking page (no account): the name they gave and "
        "the phone they verified by SMS code; null when the client has an account."
    )
    status = serializers.ChoiceField(
        choices=BookingStatus.choices, source="booking.status", read_only=True
    )
    starts_at = serializers.DateTimeField(source="booking.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="booking.ends_at", read_only=True)
    time_zone = serializers.CharField(source="booking.time_zone", read_only=True)
    price = serializers.SerializerMethodField()
    payment_mode = serializers.ChoiceField(
        choices=PaymentMode.choices,
        read_only=True,
        help_text="The service's payment mode when it was booked.",
    )
    amount_due_online = serializers.SerializerMethodField(
        help_text="Paid online before the reservation is confirmed (the price or the "
        "deposit; pay it with `POST /api/v1/payments/`, `target_type` "
        "`booking.reservation`); 0 when it is paid on site."
    )
    amount_due_on_site = serializers.SerializerMethodField(help_text="Left to pay at the business.")
    hold_expires_at = serializers.DateTimeField(
        source="booking.hold_expires_at", read_only=True, allow_null=True
    )
    confirmed_at = serializers.DateTimeField(
        source="booking.confirmed_at", read_only=True, allow_null=True
    )
    cancelled_at = serializers.DateTimeField(
        source="booking.cancelled_at", read_only=True, allow_null=True
    )
    cancellation_reason = serializers.CharField(
        source="booking.cancellation_reason", read_only=True
    )
    needs_attention = serializers.BooleanField(source="booking.needs_attention", read_only=True)
    attention_reason = serializers.CharField(source="booking.attention_reason", read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "id",
            "reference",
            "organization",
            "service",
            "client",
            "guest",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "price",
            "payment_mode",
            "amount_due_online",
            "amount_due_on_site",
            "client_note",
            "hold_expires_at",
            "confirmed_at",
            "cancelled_at",
            "cancellation_reason",
            "needs_attention",
            "attention_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reference(self, obj: Reservation) -> str:
        return obj.pk.hex[:8].upper()

    @extend_schema_field(ReservationGuestSerializer(allow_null=True))
    def get_guest(self, obj: Reservation) -> dict | None:
        if not obj.guest_phone:
            return None
        return {"name": obj.guest_name, "phone": obj.guest_phone}

    @extend_schema_field(MoneySerializer)
    def get_price(self, obj: Reservation) -> dict:
        return obj.price.as_dict()

    @extend_schema_field(MoneySerializer)
    def get_amount_due_online(self, obj: Reservation) -> dict:
        return obj.amount_due_online.as_dict()

    @extend_schema_field(MoneySerializer)
    def get_amount_due_on_site(self, obj: Reservation) -> dict:
        return obj.amount_due_on_site.as_dict()


class ActorSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.CharField(
        allow_null=True,
        help_text=(
            "In full for the business and for the client's own actions; a staff member's "
            "address is masked for the client (`a***@example.com`)."
        ),
    )


class BookingEventSerializer(serializers.Serializer):
    action = serializers.CharField(
        help_text="created, confirmed, cancelled, rescheduled, completed, no_show, expired, "
        "flagged, unflagged"
    )
    from_status = serializers.CharField(help_text="Empty for the creation.")
    to_status = serializers.ChoiceField(choices=BookingStatus.choices)
    actor = ActorSerializer(allow_null=True)
    actor_side = serializers.ChoiceField(
        choices=[("client", "client"), ("business", "business"), ("system", "system")]
    )
    reason = serializers.CharField()
    previous_starts_at = serializers.DateTimeField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ReservationDetailSerializer(ReservationSerializer):
    """One reservation for its client or the business, with its history and what the
    viewer may still do (``viewer_side`` says as whom)."""

    viewer_side = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()
    can_reschedule = serializers.SerializerMethodField()
    cancellation_deadline = serializers.SerializerMethodField(
        help_text="For the client: the last moment to cancel a confirmed reservation."
    )
    reschedule_deadline = serializers.SerializerMethodField(
        help_text="For the client: the last moment to move the reservation."
    )
    history = serializers.SerializerMethodField()

    class Meta(ReservationSerializer.Meta):
        fields = ReservationSerializer.Meta.fields + [
            "viewer_side",
            "can_cancel",
            "can_reschedule",
            "cancellation_deadline",
            "reschedule_deadline",
            "history",
        ]
        read_only_fields = fields

    def _side(self, obj: Reservation) -> str:
        return getattr(obj, "viewer_side", Side.CLIENT)

    def _permissions(self, obj: Reservation):
        cache = self.context.setdefault("_permissions", {})
        if obj.pk not in cache:
            cache[obj.pk] = reservation_permissions(obj, self._side(obj))
        return cache[obj.pk]

    @extend_schema_field(serializers.ChoiceField(choices=[(s.value, s.value) for s in Side]))
    def get_viewer_side(self, obj: Reservation) -> str:
        return str(self._side(obj))

    def get_can_cancel(self, obj: Reservation) -> bool:
        return self._permissions(obj).can_cancel

    def get_can_reschedule(self, obj: Reservation) -> bool:
        return self._permissions(obj).can_reschedule

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_cancellation_deadline(self, obj: Reservation):
        value = self._permissions(obj).cancellation_deadline
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_reschedule_deadline(self, obj: Reservation):
        value = self._permissions(obj).reschedule_deadline
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(BookingEventSerializer(many=True))
    def get_history(self, obj: Reservation) -> list[dict]:
        business = self._side(obj) == Side.BUSINESS
        client_id = obj.booking.client_id
        events = []
        for event in obj.booking.events.all():
            actor = event.actor
            if actor is None:
                side, actor_data = "system", None
            else:
                side = "client" if actor.pk == client_id else "business"
                actor_data = {
                    "id": actor.pk,
                    "name": actor.full_name,
                    "email": (
                        actor.email if business or side == "client" else mask_email(actor.email)
                    ),
                }
            events.append(
                {
                    "action": event.action,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "actor": actor_data,
                    "actor_side": side,
                    "reason": event.reason,
                    "previous_starts_at": event.previous_starts_at,
                    "starts_at": event.starts_at,
                    "created_at": event.created_at,
                }
            )
        return BookingEventSerializer(events, many=True).data


# --- Statistics ----------------------------------------------------------------------------


class StatsFiguresSerializer(serializers.Serializer):
    bookings = serializers.IntegerField(help_text="Every reservation but holds that ran out.")
    pending = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField(help_text="By the client or by the business.")
    no_show = serializers.IntegerField()
    revenue = MoneySerializer(help_text="Confirmed and completed reservations (booked).")
    revenue_completed = MoneySerializer(help_text="Completed reservations only.")
    cancellation_rate = serializers.FloatField(help_text="cancelled / bookings (0 to 1).")
    no_show_rate = serializers.FloatField(help_text="no_show / (completed + no_show) (0 to 1).")


class StatsGroupSerializer(StatsFiguresSerializer):
    key = serializers.CharField(
        help_text="First day of the period (YYYY-MM-DD), or the service id."
    )
    label = serializers.CharField(help_text="The period's first day, or the service's name.")


class StatsOtherCurrencySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    revenue = MoneySerializer()
    revenue_completed = MoneySerializer()


class StatsTotalsSerializer(StatsFiguresSerializer):
    other_currencies = StatsOtherCurrencySerializer(
        many=True,
        help_text="Revenue of reservations priced in another currency than the "
        "organisation's current one (usually empty).",
    )


class StatsSerializer(serializers.Serializer):
    organization = ReservationOrganizationSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=[(value, value) for value in GROUP_BY_CHOICES])
    time_zone = serializers.CharField(help_text="Periods are dates in this time zone.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    groups = StatsGroupSerializer(many=True)
    totals = StatsTotalsSerializer()
