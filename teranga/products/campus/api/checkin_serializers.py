"""Serializers of check-in: lists, the validate call and its answer, scanner devices, the
scanner sync payload and scan uploads. Input serializers refuse unknown fields (400);
output serializers only read."""

from __future__ import annotations

from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, ModelSerializer, Serializer

from ..models import CheckinList, ScanDirection, ScannerDevice, ScanResult
from ..models.checkin import NAME_MAX_LENGTH
from ..selectors.checkin import SYNC_BATCH, SYNC_MAX_BATCH
from ..services.checkin import CODE_MAX_LENGTH, MAX_LISTS, MAX_UPLOAD

# --- Lists --------------------------------------------------------------------------------


class CheckinListSerializer(BaseModelSerializer):
    ticket_types = serializers.SerializerMethodField(
        help_text="Ids of the ticket types it admits; empty: every type of the event."
    )

    class Meta:
        model = CheckinList
        fields = [
            "id",
            "event",
            "name",
            "ticket_types",
            "allow_reentry",
            "record_exits",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_ticket_types(self, obj) -> list[str]:
        return sorted(str(t.pk) for t in obj.ticket_types.all())


class CheckinListWriteSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    ticket_types = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=100,
        help_text="Ticket types of this event it admits; empty (the default): every type.",
    )
    allow_reentry = serializers.BooleanField(required=False, default=False)
    record_exits = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Exits are scanned: with re-entry allowed, a ticket inside must exit "
        "before it enters again.",
    )


class CheckinListPatchSerializer(CheckinListWriteSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    ticket_types = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=100
    )
    allow_reentry = serializers.BooleanField(required=False)
    record_exits = serializers.BooleanField(required=False)


# --- Validate -----------------------------------------------------------------------------


class ValidateSerializer(Serializer):
    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH + 20,
        trim_whitespace=True,
        help_text="The ticket code, or the QR content `TERANGA-CAMPUS:<code>`.",
    )
    lists = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=MAX_LISTS,
        help_text="Check-in lists of one organiser; the ticket is checked on the one of "
        "its event that admits its type.",
    )
    direction = serializers.ChoiceField(
        choices=ScanDirection.choices, required=False, default=ScanDirection.ENTRY
    )


class ScanTicketSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    event = serializers.UUIDField(source="event_id", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    ticket_type = serializers.UUIDField(source="ticket_type_id", read_only=True)
    ticket_type_name = serializers.CharField(source="ticket_type.name", read_only=True)
    holder_name = serializers.CharField(source="holder.get_full_name", read_only=True)
    status = serializers.CharField(read_only=True)


class ScanOutcomeSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ScanResult.choices, read_only=True)
    message = serializers.CharField(read_only=True, help_text="For the door staff, translated.")
    direction = serializers.ChoiceField(choices=ScanDirection.choices, read_only=True)
    checkin_list = serializers.UUIDField(source="checkin_list.pk", read_only=True)
    ticket = ScanTicketSerializer(
        read_only=True, allow_null=True, help_text="Null for an unknown code."
    )
    checked_in_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="The admission: this scan's when valid, the standing one's when refused.",
    )
    checked_in_by = serializers.CharField(
        read_only=True, help_text="Who admitted it (staff name or scanner device); may be empty."
    )
    scan = serializers.UUIDField(source="scan.pk", read_only=True)


# --- Scanner devices ---------------------------------------------------------------------


class ScannerDeviceSerializer(BaseModelSerializer):
    class Meta:
        model = ScannerDevice
        fields = ["id", "name", "last_seen_at", "revoked_at", "created_at"]
        read_only_fields = fields


class ScannerDeviceCreatedSerializer(ScannerDeviceSerializer):
    token = serializers.CharField(
        read_only=True, help_text="Shown this once: `Authorization: Scanner <token>`."
    )
    signing_key = serializers.CharField(
        read_only=True, help_text="Shown this once: the key of the sync signatures (hex)."
    )
    setup_code = serializers.CharField(
        read_only=True, help_text="`<token>.<signing_key>`: what the scanner page asks for."
    )

    class Meta(ScannerDeviceSerializer.Meta):
        fields = [*ScannerDeviceSerializer.Meta.fields, "token", "signing_key", "setup_code"]
        read_only_fields = fields


class ScannerDeviceCreateSerializer(ModelSerializer):
    class Meta:
        model = ScannerDevice
        fields = ["name"]


# --- Sync ---------------------------------------------------------------------------------


class ScannerEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)


class SyncQuerySerializer(Serializer):
    event = serializers.UUIDField(help_text="An event of the device's organisation.")
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="The `cursor` of the previous answer; none: from the start.",
    )
    limit = serializers.IntegerField(
        required=False, default=SYNC_BATCH, min_value=1, max_value=SYNC_MAX_BATCH
    )


class SyncEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField()


class SyncListSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    ticket_types = serializers.ListField(child=serializers.UUIDField())
    allow_reentry = serializers.BooleanField()
    record_exits = serializers.BooleanField()


class SyncPresenceSerializer(serializers.Serializer):
    list = serializers.UUIDField()
    inside = serializers.BooleanField()
    first_entry_at = serializers.DateTimeField(allow_null=True)


class SyncTicketSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    ticket_type = serializers.UUIDField()
    ticket_type_name = serializers.CharField()
    status = serializers.CharField()
    holder_name = serializers.CharField()
    presence = SyncPresenceSerializer(many=True)


class SyncPayloadSerializer(serializers.Serializer):
    """Documents the body: the view answers the signed payload as built."""

    event = SyncEventSerializer()
    lists = SyncListSerializer(many=True)
    tickets = SyncTicketSerializer(many=True)
    cursor = serializers.CharField(help_text="Give it back to get what changed since.")
    has_more = serializers.BooleanField(help_text="Ask again at once with the new cursor.")
    server_time = serializers.DateTimeField()
    signature = serializers.CharField(
        help_text="HMAC-SHA256 (hex) with the device's signing key over the canonical JSON "
        "of the body without `signature` (keys sorted, no spaces, UTF-8)."
    )


# --- Upload -------------------------------------------------------------------------------


class UploadScanSerializer(Serializer):
    nonce = serializers.CharField(max_length=64, help_text="The device's id of this scan.")
    code = serializers.CharField(max_length=CODE_MAX_LENGTH + 20, allow_blank=True)
    list = serializers.UUIDField()
    direction = serializers.ChoiceField(choices=ScanDirection.choices)
    scanned_at = serializers.DateTimeField(help_text="When it happened (device clock).")
    offline = serializers.BooleanField(
        required=False, default=True, help_text="Decided by the device while offline."
    )
    local_result = serializers.ChoiceField(
        choices=[c for c in ScanResult.choices if c[0] != ScanResult.CONFLICT],
        required=False,
        allow_null=True,
        default=None,
        help_text="What the device decided; a refusal is recorded as it is.",
    )


class UploadSerializer(Serializer):
    scans = UploadScanSerializer(many=True, min_length=1, max_length=MAX_UPLOAD)


class UploadResultSerializer(ScanOutcomeSerializer):
    nonce = serializers.CharField(read_only=True)
    duplicate = serializers.BooleanField(
        read_only=True, help_text="Stored by an earlier upload: not counted again."
    )


class UploadSummarySerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    refused = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    conflicts = serializers.IntegerField()


class UploadReportSerializer(serializers.Serializer):
    results = UploadResultSerializer(many=True, source="outcomes", read_only=True)
    summary = UploadSummarySerializer(source="*", read_only=True)


# --- Answers built without a serializer per request ------------------------------------
# The validate and upload answers are written directly (the per-request cost of DRF's
# field copies matters at the door); the serializers above document them, and the
# tests check that both give the same JSON.

_DATETIME = serializers.DateTimeField()


def _ticket_data(ticket) -> dict:
    return {
        "id": str(ticket.pk),
        "event": str(ticket.event_id),
        "event_title": ticket.event.title,
        "ticket_type": str(ticket.ticket_type_id),
        "ticket_type_name": ticket.ticket_type.name,
        "holder_name": ticket.holder.get_full_name(),
        "status": ticket.status,
    }


def scan_outcome_data(outcome) -> dict:
    """:class:`ScanOutcomeSerializer`'s JSON of ``outcome``."""
    at = outcome.checked_in_at
    return {
        "result": outcome.result,
        "message": str(outcome.message),
        "direction": outcome.direction,
        "checkin_list": str(outcome.checkin_list.pk),
        "ticket": None if outcome.ticket is None else _ticket_data(outcome.ticket),
        "checked_in_at": None if at is None else _DATETIME.to_representation(at),
        "checked_in_by": str(outcome.checked_in_by),
        "scan": str(outcome.scan.pk),
    }


def upload_report_data(report) -> dict:
    """:class:`UploadReportSerializer`'s JSON of ``report``."""
    return {
        "results": [
            {**scan_outcome_data(o), "nonce": str(o.nonce), "duplicate": o.duplicate}
            for o in report.outcomes
        ],
        "summary": {
            "accepted": report.accepted,
            "refused": report.refused,
            "duplicates": report.duplicates,
            "conflicts": report.conflicts,
        },
    }
