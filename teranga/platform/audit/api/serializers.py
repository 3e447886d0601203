from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer

from ..models import AuditAction, AuditEntry

VALUES_SCHEMA = {
    "type": "object",
    "nullable": True,
    "additionalProperties": True,
    "description": "The changed fields' values (secrets never appear; phones are masked).",
}


@extend_schema_field(VALUES_SCHEMA)
class ValuesField(serializers.JSONField):
    pass


class AuditEntrySerializer(BaseModelSerializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, read_only=True)
    action_label = serializers.SerializerMethodField(help_text="The action, in my language.")
    actor = serializers.UUIDField(source="actor_id", read_only=True, allow_null=True)
    actor_label = serializers.CharField(
        read_only=True,
        help_text="Who acted, as they were then (their email; `system` for a job; empty "
        "for an anonymous request or an erased account).",
    )
    organization = serializers.UUIDField(source="organization_id", read_only=True, allow_null=True)
    subject = serializers.UUIDField(
        source="subject_id",
        read_only=True,
        allow_null=True,
        help_text="The user the action was about (a member whose role changed, the account "
        "signed in to).",
    )
    summary = serializers.CharField(read_only=True, help_text="Short, for staff (English).")
    before = ValuesField(read_only=True)
    after = ValuesField(read_only=True)
    address = serializers.IPAddressField(read_only=True, allow_null=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "action",
            "action_label",
            "actor",
            "actor_label",
            "organization",
            "subject",
            "object_type",
            "object_id",
            "summary",
            "before",
            "after",
            "address",
            "user_agent",
            "at",
        ]
        read_only_fields = fields

    def get_action_label(self, obj: AuditEntry) -> str:
        try:
            return str(AuditAction(obj.action).label)
        except ValueError:
            return obj.action
