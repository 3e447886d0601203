"""Serializers of ticket types, shared quotas, orders, tickets, transfers and an event's
cancellation. Input serializers refuse unknown fields (400); output serializers read
only what the selectors loaded."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.links import public_link
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import Serializer

from ..models import (
    OrderStatus,
    TicketKind,
    TicketStatus,
)
from ..models.tickets import MAX_PER_ORDER, NAME_MAX_LENGTH
from ..services.ticket_types import MAX_TIERS
from ..services.tickets import ticket_page_path

NOTE_MAX = 500
REASON_MAX = 300

# --- Ticket types ---------------------------------------------------------------------------


class CampusTierSerializer(Serializer):
    up_to = serializers.IntegerField(
        min_value=1, max_value=1_000_000, help_text="Seats 1 to `up_to` (counted in sales)."
    )
    price = serializers.IntegerField(min_value=0, help_text="Minor units.")


class CampusTicketTypeWriteSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    price = serializers.IntegerField(
        min_value=0,
        required=False,
        default=0,
        help_text="Minor units, in the event's currency (XOF has none). 0 for a free type; "
        "for a tiered type, the price once every tier is sold.",
    )
    tiers = CampusTierSerializer(
        many=True,
        required=False,
        max_length=MAX_TIERS,
        help_text="Tiered types only: strictly increasing `up_to`, the last at most the quota.",
    )
    quota = serializers.IntegerField(min_value=1, max_value=1_000_000)
    max_per_order = serializers.IntegerField(
        min_value=1, max_value=MAX_PER_ORDER, required=False, default=MAX_PER_ORDER
    )
    sales_start = serializers.DateTimeField(required=False, allow_null=True)
    sales_end = serializers.DateTimeField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)


class CampusTicketTypeUpdateSerializer(CampusTicketTypeWriteSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class CampusSharedQuotaRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class CampusTicketTypeSerializer(serializers.Serializer):
    """A ticket type. ``available``: seats left (its quota, and the shared quotas and
    event capacity it draws on); ``next_price``: what the next seat costs now. The
    counters ``taken`` and ``sold`` are shown to the organiser's staff only (null
    otherwise)."""

    id = serializers.UUIDField(read_only=True)
    event = serializers.UUIDField(source="event_id", read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=TicketKind.choices, read_only=True)
    price = serializers.IntegerField(read_only=True, help_text="Minor units.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, read_only=True)
    tiers = CampusTierSerializer(many=True, read_only=True)
    next_price = serializers.SerializerMethodField()
    quota = serializers.IntegerField(read_only=True)
    available = serializers.SerializerMethodField()
    taken = serializers.SerializerMethodField()
    sold = serializers.SerializerMethodField()
    max_per_order = serializers.IntegerField(read_only=True)
    sales_start = serializers.DateTimeField(read_only=True, allow_null=True)
    sales_end = serializers.DateTimeField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    shared_quotas = CampusSharedQuotaRefSerializer(many=True, read_only=True)

    @extend_schema_field(serializers.IntegerField(help_text="Minor units."))
    def get_next_price(self, ticket_type) -> int:
        from ..services.ticket_types import unit_price

        return unit_price(ticket_type)

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_available(self, ticket_type) -> int:
        left = ticket_type.quota - ticket_type.taken
        for quota in ticket_type.shared_quotas.all():
            left = min(left, quota.size - quota.taken)
        event = self.context.get("event")
        if event is not None and event.capacity is not None:
            left = min(left, event.capacity - event.taken)
        return max(left, 0)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_taken(self, ticket_type) -> int | None:
        return ticket_type.taken if self.context.get("staff") else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_sold(self, ticket_type) -> int | None:
        return ticket_type.sold if self.context.get("staff") else None


# --- Shared quotas --------------------------------------------------------------------------


class CampusSharedQuotaWriteSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    size = serializers.IntegerField(min_value=1, max_value=1_000_000)
    ticket_types = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=50,
        help_text="Ticket types of the event that share these seats.",
    )


class CampusSharedQuotaUpdateSerializer(CampusSharedQuotaWriteSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class CampusSharedQuotaSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    event = serializers.UUIDField(source="event_id", read_only=True)
    name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    taken = serializers.IntegerField(read_only=True)
    ticket_types = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_ticket_types(self, quota) -> list[str]:
        return [str(t.pk) for t in quota.ticket_types.all()]


# --- Orders ---------------------------------------------------------------------------------


class CampusOrderLineWriteSerializer(Serializer):
    ticket_type = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_PER_ORDER)


class CampusOrderCreateSerializer(Serializer):
    event = serializers.UUIDField()
    lines = CampusOrderLineWriteSerializer(many=True, min_length=1, max_length=MAX_PER_ORDER)


class CampusOrderListQuerySerializer(Serializer):
    event = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class CampusEventOrderListQuerySerializer(Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)


class CampusOrderLineSerializer(serializers.Serializer):
    ticket_type = serializers.UUIDField(source="ticket_type_id", read_only=True)
    ticket_type_name = serializers.CharField(source="ticket_type.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.IntegerField(read_only=True, help_text="Minor units.")


class CampusEventRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)


class CampusOrderSerializer(serializers.Serializer):
    """An order. Pay a pending one with `POST /api/v1/payments/` (`target_type`
    `campus.order`, `target_id` its id) before `hold_expires_at`."""

    id = serializers.UUIDField(read_only=True)
    event = CampusEventRefSerializer(read_only=True)
    buyer = serializers.EmailField(source="buyer.email", read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    total = serializers.IntegerField(read_only=True, help_text="Minor units, before coupons.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, read_only=True)
    lines = CampusOrderLineSerializer(many=True, read_only=True)
    tickets = serializers.SerializerMethodField()
    hold_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    payable_type = serializers.SerializerMethodField()
    offer = serializers.UUIDField(source="offer_id", read_only=True, allow_null=True)
    paid_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_tickets(self, order) -> list[str]:
        return [str(t.pk) for t in order.tickets.all()]

    def get_payable_type(self, order) -> str:
        return "campus.order"


# --- Tickets --------------------------------------------------------------------------------


class CampusTicketListQuerySerializer(Serializer):
    event = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)


class CampusTicketSerializer(serializers.Serializer):
    """A ticket of mine. ``qr_content`` is what its QR code encodes; ``page`` the
    phone-friendly page to show at the entrance."""

    id = serializers.UUIDField(read_only=True)
    event = CampusEventRefSerializer(read_only=True)
    organization = serializers.CharField(source="event.organization.name", read_only=True)
    ticket_type = serializers.UUIDField(source="ticket_type_id", read_only=True)
    ticket_type_name = serializers.CharField(source="ticket_type.name", read_only=True)
    order = serializers.UUIDField(source="order_id", read_only=True)
    holder = serializers.EmailField(source="holder.email", read_only=True)
    code = serializers.CharField(read_only=True)
    qr_content = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)
    price = serializers.IntegerField(read_only=True, help_text="Minor units.")
    currency = serializers.ChoiceField(
        source="ticket_type.currency", choices=CURRENCY_CHOICES, read_only=True
    )
    transfers_allowed = serializers.BooleanField(source="event.transfers_allowed", read_only=True)
    page = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_qr_content(self, ticket) -> str:
        return f"TERANGA-CAMPUS:{ticket.code}"

    def get_page(self, ticket) -> str:
        return public_link(ticket_page_path(ticket.code))


class CampusTicketTransferSerializer(Serializer):
    email = serializers.EmailField(help_text="The email of the new holder's Teranga account.")


class CampusTicketTransferResultSerializer(serializers.Serializer):
    """A ticket just handed over: who holds it now (its new code is theirs alone)."""

    id = serializers.UUIDField(read_only=True)
    event = CampusEventRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)
    holder = serializers.EmailField(source="holder.email", read_only=True)
    transferred_at = serializers.DateTimeField(source="updated_at", read_only=True)


# --- Cancelling an event --------------------------------------------------------------------


class CampusEventCancelSerializer(Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Told to the ticket holders.",
    )


class CampusEventCancelResultSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="event.pk", read_only=True)
    status = serializers.CharField(source="event.status", read_only=True)
    cancelled_at = serializers.DateTimeField(source="event.cancelled_at", read_only=True)
    orders_refunded = serializers.IntegerField(
        read_only=True, help_text="Paid orders settled by this call (refunded or cancelled)."
    )
    orders_cancelled = serializers.IntegerField(
        read_only=True, help_text="Pending orders cancelled by this call."
    )
    tickets_cancelled = serializers.IntegerField(read_only=True)
    refunds_opened = serializers.IntegerField(
        read_only=True, help_text="Refunds opened through the payments module by this call."
    )
    waiting_closed = serializers.IntegerField(
        read_only=True,
        help_text="Waiting-list entries closed by this call (an offer's held seat goes back).",
    )
