from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.serializers import BaseModelSerializer, Serializer

from ..extensions import kind_of
from ..models import ModerationCase, ModerationLogEntry


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True,
        help_text="keyword, pattern, links, spam, repeated, rate, classifier, report, or a "
        "product's own code.",
    )
    reason = serializers.CharField(read_only=True, help_text="Short, for moderators (English).")


class CaseSerializer(BaseModelSerializer):
    kind_label = serializers.SerializerMethodField(help_text="The kind's name, in my language.")
    organization = serializers.UUIDField(source="organization_id", read_only=True, allow_null=True)
    author = serializers.UUIDField(source="author_id", read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    decided_by = serializers.UUIDField(source="decided_by_id", read_only=True, allow_null=True)
    reasons = ReasonSerializer(many=True, read_only=True)
    link = serializers.SerializerMethodField(help_text="A page that shows the object, if any.")

    class Meta:
        model = ModerationCase
        fields = [
            "id",
            "kind",
            "kind_label",
            "object_id",
            "organization",
            "scope",
            "author",
            "author_name",
            "excerpt",
            "action",
            "reasons",
            "reports",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
            "note",
            "link",
        ]
        read_only_fields = fields

    def get_kind_label(self, obj: ModerationCase) -> str:
        kind = kind_of(obj.kind)
        return str(kind.label) if kind is not None else obj.kind

    @extend_schema_field({"type": "string", "nullable": True})
    def get_author_name(self, obj: ModerationCase) -> str | None:
        return obj.author.get_full_name() if obj.author is not None else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_link(self, obj: ModerationCase) -> str | None:
        kind = kind_of(obj.kind)
        if kind is None or kind.link is None:
            return None
        return kind.link(obj.object_id)


class DecisionSerializer(Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Why (kept in the case and the log).",
    )


class LogEntrySerializer(BaseModelSerializer):
    case = serializers.UUIDField(source="case_id", read_only=True, allow_null=True)
    organization = serializers.UUIDField(source="organization_id", read_only=True, allow_null=True)
    actor = serializers.UUIDField(source="actor_id", read_only=True, allow_null=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ModerationLogEntry
        fields = [
            "id",
            "case",
            "kind",
            "object_id",
            "organization",
            "actor",
            "action",
            "reason",
            "excerpt",
            "at",
        ]
        read_only_fields = fields
