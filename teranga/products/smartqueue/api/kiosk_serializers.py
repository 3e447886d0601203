"""Serializers of the kiosk endpoints (``/api/v1/smartqueue/kiosk/…``)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.qr import qr_data_uri
from teranga.core.serializers import Serializer

from ..models import Ticket, TicketClass
from ..qr import ticket_qr_content


class SqKioskTicketCreateSerializer(Serializer):
    queue = serializers.UUIDField(help_text="A queue of the kiosk's branch.")
    ticket_class = serializers.ChoiceField(
        choices=[TicketClass.NORMAL, TicketClass.PRIORITY],
        required=False,
        help_text="`priority` for elderly, pregnant or disabled clients.",
    )
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="Optional, for SMS notices (Senegalese numbers without +221 accepted).",
    )


class SqKioskTicketSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True)
    queue = serializers.SerializerMethodField()
    service = serializers.CharField(source="service.name", read_only=True)
    position = serializers.IntegerField(source="position_at_issue", read_only=True)
    estimated_wait_seconds = serializers.IntegerField(
        source="estimated_wait_at_issue",
        read_only=True,
        allow_null=True,
        help_text="Null while unknown (no counter was open on the queue).",
    )
    qr = serializers.SerializerMethodField(help_text="The QR code, a data:image/svg+xml URI.")
    print_url = serializers.SerializerMethodField(help_text="The printable ticket (HTML).")
    issued_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "ticket_class",
            "queue",
            "service",
            "position",
            "estimated_wait_seconds",
            "code",
            "qr",
            "print_url",
            "issued_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string"},
                "prefix": {"type": "string"},
            },
        }
    )
    def get_queue(self, ticket) -> dict:
        return {
            "id": str(ticket.queue_id),
            "name": ticket.queue.name,
            "prefix": ticket.queue.prefix,
        }

    def get_qr(self, ticket) -> str:
        return qr_data_uri(ticket_qr_content(ticket))

    def get_print_url(self, ticket) -> str:
        request = self.context.get("request")
        path = reverse("sq-kiosk-ticket-print", kwargs={"ticket_id": ticket.pk})
        return request.build_absolute_uri(path) if request else path
