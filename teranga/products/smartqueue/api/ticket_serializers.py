"""Serializers of tickets: taking one, reading one (with its live position), lists,
cancel, rating and the QR lookup. Input serializers refuse unknown fields (400);
output serializers only read and never query beyond what the view selected."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.money import CURRENCY_CHOICES
from teranga.core.qr import qr_data_uri
from teranga.core.serializers import Serializer

from ..models import TicketClass, TicketStatus, TravelMode
from ..qr import ticket_qr_content
from ..selectors.tickets import TicketFilters

#: Channels a signed-in client may take a ticket from (SMS, kiosk and agent have their own
#: entry points).
CLIENT_CHANNELS = (("mobile", "mobile"), ("web", "web"), ("api", "api"))

# --- Input ---------------------------------------------------------------------------------


class TicketTakeSerializer(Serializer):
    channel = serializers.ChoiceField(choices=CLIENT_CHANNELS, required=False, default="mobile")
    travel_mode = serializers.ChoiceField(
        choices=TravelMode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the client comes (for travel time and the “leave now” notice).",
    )


class TicketRateSerializer(Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TicketListQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False,
        help_text="List this organisation's tickets (its agents and above, and staff). "
        "Without it: my own tickets.",
    )
    branch = serializers.UUIDField(required=False, help_text="With `organization` only.")
    queue = serializers.UUIDField(required=False, help_text="With `organization` only.")
    day = serializers.DateField(
        required=False, help_text="The ticket's local day. With `organization` only."
    )
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=TicketStatus.choices),
        required=False,
        help_text="Repeat to give several (`status=waiting&status=called`).",
    )
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: waiting, called or being served; false: the others.",
    )

    def validate(self, attrs):
        if not attrs.get("organization"):
            extra = [name for name in ("branch", "queue", "day") if attrs.get(name)]
            if extra:
                raise serializers.ValidationError(
                    {name: [_("Only an organisation's list has this filter.")] for name in extra}
                )
        return attrs

    def filters(self) -> TicketFilters:
        data = self.validated_data
        return TicketFilters(
            statuses=tuple(dict.fromkeys(data.get("status") or ())),
            active=data.get("active"),
            branch_id=data.get("branch"),
            queue_id=data.get("queue"),
            day=data.get("day"),
        )


class TicketLookupQuerySerializer(Serializer):
    organization = serializers.UUIDField(
        required=False, help_text="Look only among this organisation's tickets."
    )
    code = serializers.CharField(
        max_length=40,
        help_text="The ticket's code, as printed or scanned (with or without `TERANGA-SQ:`).",
    )


# --- Output --------------------------------------------------------------------------------


class QueueRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class NamedRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class BranchRefSerializer(NamedRefSerializer):
    address = serializers.CharField(read_only=True)
    commune = serializers.CharField(read_only=True)


class TicketSerializer(serializers.Serializer):
    """A ticket in a list: what it is and where it went, no live figures."""

    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(source="display_number", read_only=True)
    day = serializers.DateField(read_only=True)
    queue = QueueRefSerializer(read_only=True)
    service = NamedRefSerializer(read_only=True)
    branch = BranchRefSerializer(read_only=True)
    organization = NamedRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)
    channel = serializers.CharField(read_only=True)
    ticket_class = serializers.ChoiceField(choices=TicketClass.choices, read_only=True)
    code = serializers.CharField(read_only=True)
    counter = NamedRefSerializer(read_only=True, allow_null=True)
    is_parked = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    called_at = serializers.DateTimeField(read_only=True, allow_null=True)
    serving_at = serializers.DateTimeField(read_only=True, allow_null=True)
    served_at = serializers.DateTimeField(read_only=True, allow_null=True)
    no_show_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    transferred_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expired_at = serializers.DateTimeField(read_only=True, allow_null=True)
    recall_count = serializers.IntegerField(read_only=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    rated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_is_parked(self, ticket) -> bool:
        return ticket.parked_at is not None and ticket.status == TicketStatus.WAITING


class TicketDetailSerializer(TicketSerializer):
    """One ticket with its position, wait estimate and QR code. The view passes the
    estimate in the context (``estimate``: a ``LiveEstimate``)."""

    position = serializers.SerializerMethodField(
        help_text="1 = next to be called; 0 when not waiting."
    )
    estimated_wait_seconds = serializers.SerializerMethodField()
    estimated_call_at = serializers.SerializerMethodField()
    travel_mode = serializers.CharField(read_only=True)
    qr = serializers.SerializerMethodField(help_text="The QR code, a data:image/svg+xml URI.")
    qr_content = serializers.SerializerMethodField(help_text="What the QR code holds.")
    rating_comment = serializers.CharField(read_only=True)

    def get_position(self, ticket) -> int:
        return self.context["estimate"].position

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True, help_text="Null while unknown (no counter open on the queue)."
        )
    )
    def get_estimated_wait_seconds(self, ticket) -> int | None:
        return self.context["estimate"].wait_seconds

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_call_at(self, ticket):
        call_at = self.context["estimate"].call_at
        return serializers.DateTimeField().to_representation(call_at) if call_at else None

    def get_qr(self, ticket) -> str:
        return qr_data_uri(ticket_qr_content(ticket))

    def get_qr_content(self, ticket) -> str:
        return ticket_qr_content(ticket)


class TicketOrderSerializer(serializers.Serializer):
    """A paid ticket's order: pay it (payable ``smartqueue.ticket_order``) and the ticket
    is issued."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.CharField(read_only=True)
    price_amount = serializers.IntegerField(read_only=True, help_text="Minor units.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, read_only=True)
    expires_at = serializers.DateTimeField(
        source="hold_expires_at", read_only=True, help_text="Pay before the order's hold runs out."
    )
    payable_type = serializers.SerializerMethodField()
    target_id = serializers.SerializerMethodField()

    def get_payable_type(self, order) -> str:
        return "smartqueue.ticket_order"

    def get_target_id(self, order) -> str:
        return str(order.pk)
