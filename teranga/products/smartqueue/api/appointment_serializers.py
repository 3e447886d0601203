"""Serializers of appointments: slots, booking, lists, detail with the check-in ticket.
Input serializers refuse unknown fields (400); output serializers only read what the
view selected (the ticket's live position and estimate only on one appointment)."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import Serializer

from ..models import AppointmentStatus
from ..selectors.estimates import estimate_wait
from ..selectors.positions import ticket_position
from ..services.appointments import PAYABLE

# --- Input ---------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its UTC offset (a bare local time would be ambiguous)."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its UTC offset, e.g. 2026-03-02T09:00:00Z.")
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return value.astimezone(UTC)


class SlotQuerySerializer(Serializer):
    service = serializers.UUIDField(help_text="The service.")
    date = serializers.DateField(help_text="The day, in the organisation's time zone.")
    branch = serializers.UUIDField(
        required=False, help_text="One branch; without it, every branch taking appointments."
    )


class AppointmentCreateSerializer(Serializer):
    service = serializers.UUIDField()
    branch = serializers.UUIDField()
    starts_at = AwareDateTimeField(help_text="Start of a free slot (as available-slots gives).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AppointmentCancelSerializer(Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AppointmentListQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False,
        help_text="This organisation's appointments (agents and above, and staff). "
        "Without it: my own.",
    )
    branch = serializers.UUIDField(required=False, help_text="With `organization` only.")
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=AppointmentStatus.choices),
        required=False,
        help_text="Repeat to give several.",
    )
    upcoming = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: starting from now on; false: already started.",
    )

    def validate(self, attrs):
        if attrs.get("branch") and not attrs.get("organization"):
            raise serializers.ValidationError(
                {"branch": [gettext_lazy("Only an organisation's list has this filter.")]}
            )
        return attrs

    def filters(self) -> dict:
        data = self.validated_data
        return {
            "statuses": tuple(dict.fromkeys(data.get("status") or ())),
            "upcoming": data.get("upcoming"),
            "branch_id": data.get("branch"),
        }


# --- Output --------------------------------------------------------------------------------


class AppointmentNamedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AppointmentSlotSerializer(serializers.Serializer):
    branch = AppointmentNamedSerializer()
    queue = serializers.UUIDField(source="queue.pk")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    remaining = serializers.IntegerField(help_text="Places left in this slot.")


class AppointmentPriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (XOF has none).")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)


class AppointmentPaymentDueSerializer(serializers.Serializer):
    target_type = serializers.CharField(help_text=f"`{PAYABLE}`")
    target_id = serializers.UUIDField(help_text="The appointment's id.")
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="Pay before the slot's hold runs out.")


class AppointmentTicketSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField(source="display_number", help_text="e.g. R004.")
    status = serializers.CharField()
    code = serializers.CharField(help_text="The QR code's content.")


class AppointmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(source="booking.ends_at")
    service = AppointmentNamedSerializer()
    branch = AppointmentNamedSerializer()
    organization = AppointmentNamedSerializer()
    queue = serializers.UUIDField(source="queue_id")
    price = serializers.SerializerMethodField()
    note = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    ticket = AppointmentTicketSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(AppointmentPriceSerializer)
    def get_price(self, obj) -> dict:
        return {"amount": obj.price_amount, "currency": obj.currency}


class AppointmentDetailSerializer(AppointmentSerializer):
    payment = serializers.SerializerMethodField(
        help_text="While awaiting payment: what to pay (POST /api/v1/payments/)."
    )
    position = serializers.SerializerMethodField(
        help_text="Checked in and waiting: 1 for the next to be called."
    )
    estimated_wait_seconds = serializers.SerializerMethodField()

    @extend_schema_field(AppointmentPaymentDueSerializer(allow_null=True))
    def get_payment(self, obj):
        if obj.status != AppointmentStatus.PENDING_PAYMENT:
            return None
        return {
            "target_type": PAYABLE,
            "target_id": str(obj.pk),
            "amount": obj.price_amount,
            "currency": obj.currency,
            "expires_at": serializers.DateTimeField().to_representation(obj.booking.hold_expires_at)
            if obj.booking.hold_expires_at
            else None,
        }

    def _position(self, obj) -> int | None:
        if obj.ticket is None:
            return None
        if not hasattr(obj, "_position"):
            obj._position = ticket_position(obj.ticket)
        return obj._position

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_position(self, obj):
        return self._position(obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_seconds(self, obj):
        position = self._position(obj)
        if not position:
            return None if obj.ticket is None else 0
        return estimate_wait(obj.queue, position - 1)
