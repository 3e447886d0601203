"""Serializers of the SmartQueue catalogue: services and hours, queues, counters, agent
sessions, kiosks. Writes subclass the strict bases (unknown fields are refused); the
rules that need the database (same organisation, letters, plan limits) live in the
services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import Serializer
from teranga.platform.organizations.models import Branch

from ..models import (
    AgentSession,
    Counter,
    Kiosk,
    Queue,
    QueueKind,
    QueueService,
    ServiceCategory,
    Strategy,
)
from ..models.catalog import prefix_validator, sms_keyword_validator
from ..services.catalog import weights_errors

# --- Read side -------------------------------------------------------------------------


class SqPriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (XOF has none); 0: free.")
    currency = serializers.CharField()
    display = serializers.CharField(help_text="Formatted for people, e.g. `1 000 F CFA`.")

    def to_representation(self, instance):
        return instance.as_dict()


class SqBranchRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "name", "commune"]
        read_only_fields = fields


class SqHoursSerializer(Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday.")
    opens_at = serializers.TimeField()
    closes_at = serializers.TimeField()


class SqQueueRefSerializer(serializers.ModelSerializer):
    branch = SqBranchRefSerializer(read_only=True)

    class Meta:
        model = Queue
        fields = ["id", "name", "prefix", "kind", "is_open", "branch"]
        read_only_fields = fields


class SqServiceSerializer(serializers.ModelSerializer):
    """Staff view (agents and above): every field."""

    price = SqPriceSerializer(read_only=True)
    hours = serializers.SerializerMethodField()
    queues = SqQueueRefSerializer(many=True, read_only=True, help_text="Active queues by branch.")

    class Meta:
        model = QueueService
        fields = [
            "id",
            "organization",
            "name",
            "description",
            "category",
            "price",
            "average_service_minutes",
            "sms_keyword",
            "appointment_minutes",
            "appointment_capacity",
            "appointment_min_notice_minutes",
            "appointment_max_advance_days",
            "checkin_opens_minutes",
            "checkin_closes_minutes",
            "is_active",
            "hours",
            "queues",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SqHoursSerializer(many=True))
    def get_hours(self, service):
        return SqHoursSerializer(service.hours.all(), many=True).data


class SqPublicServiceSerializer(SqServiceSerializer):
    """What clients choosing a queue see."""

    class Meta(SqServiceSerializer.Meta):
        fields = [
            "id",
            "organization",
            "name",
            "description",
            "category",
            "price",
            "average_service_minutes",
            "sms_keyword",
            "hours",
            "queues",
        ]
        read_only_fields = fields


class SqServiceRefSerializer(serializers.ModelSerializer):
    price = SqPriceSerializer(read_only=True)

    class Meta:
        model = QueueService
        fields = ["id", "name", "category", "price"]
        read_only_fields = fields


class SqPublicQueueSerializer(serializers.ModelSerializer):
    """A queue as waiting clients and kiosks see it. ``estimated_wait_seconds``: the
    wait of a ticket taken now (``waiting`` people ahead), null while unknown (no
    counter open on the queue)."""

    branch = SqBranchRefSerializer(read_only=True)
    service = SqServiceRefSerializer(read_only=True)
    waiting = serializers.IntegerField(source="waiting_count", read_only=True)
    estimated_wait_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "prefix",
            "kind",
            "is_open",
            "max_size",
            "waiting",
            "estimated_wait_seconds",
            "branch",
            "service",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True,
            help_text="Of a ticket taken now; null while unknown (no counter open on the queue).",
        )
    )
    def get_estimated_wait_seconds(self, queue) -> int | None:
        return self.context["waits"].get(queue.pk)


class SqQueueSerializer(SqPublicQueueSerializer):
    """Staff view: the settings too."""

    appointment_resource = serializers.UUIDField(source="appointment_resource_id", read_only=True)

    class Meta(SqPublicQueueSerializer.Meta):
        fields = SqPublicQueueSerializer.Meta.fields + [
            "organization",
            "strategy",
            "weights",
            "follows_hours",
            "keep_arrival_on_transfer",
            "no_show_timeout_seconds",
            "notify_ahead",
            "leave_now_margin_minutes",
            "appointment_resource",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SqAgentRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    name = serializers.CharField(source="get_full_name")


class SqCounterSerializer(serializers.ModelSerializer):
    branch = SqBranchRefSerializer(read_only=True)
    queues = SqQueueRefSerializer(many=True, read_only=True)
    agent = serializers.SerializerMethodField(help_text="The agent staffing it now, if any.")

    class Meta:
        model = Counter
        fields = [
            "id",
            "organization",
            "branch",
            "name",
            "queues",
            "strategy",
            "weights",
            "is_active",
            "agent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SqAgentRefSerializer(allow_null=True))
    def get_agent(self, counter):
        sessions = getattr(counter, "open_sessions", None)
        if not sessions:
            return None
        return SqAgentRefSerializer(sessions[0].agent).data


class SqSessionSerializer(serializers.ModelSerializer):
    counter = SqCounterSerializer(read_only=True)

    class Meta:
        model = AgentSession
        fields = ["id", "counter", "started_at", "ended_at"]
        read_only_fields = fields


class SqKioskSerializer(serializers.ModelSerializer):
    branch = SqBranchRefSerializer(read_only=True)

    class Meta:
        model = Kiosk
        fields = [
            "id",
            "organization",
            "branch",
            "name",
            "key_prefix",
            "is_active",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = fields


class SqKioskCreatedSerializer(SqKioskSerializer):
    key = serializers.CharField(
        read_only=True,
        help_text="The kiosk's API key, shown this once: send it as `Authorization: "
        "Api-Key <key>`.",
    )

    class Meta(SqKioskSerializer.Meta):
        fields = SqKioskSerializer.Meta.fields + ["key"]
        read_only_fields = fields


# --- Query strings ---------------------------------------------------------------------


class SqOrganizationQuerySerializer(Serializer):
    organization = serializers.UUIDField()


class SqServiceQuerySerializer(SqOrganizationQuerySerializer):
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)


class SqQueueQuerySerializer(SqOrganizationQuerySerializer):
    branch = serializers.UUIDField(required=False)
    service = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=QueueKind.choices, required=False)


class SqBranchQuerySerializer(SqOrganizationQuerySerializer):
    branch = serializers.UUIDField(required=False)


# --- Writes ----------------------------------------------------------------------------


class SqServiceUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
    price_amount = serializers.IntegerField(
        min_value=0, max_value=100_000_000, required=False, help_text="Minor units; 0: free."
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    average_service_minutes = serializers.IntegerField(min_value=1, max_value=240, required=False)
    sms_keyword = serializers.CharField(
        max_length=12,
        allow_blank=True,
        required=False,
        help_text="2–12 letters or digits, upper-cased; unique across Teranga.",
    )
    appointment_minutes = serializers.IntegerField(min_value=5, max_value=240, required=False)
    appointment_capacity = serializers.IntegerField(min_value=1, max_value=50, required=False)
    appointment_min_notice_minutes = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 30, required=False
    )
    appointment_max_advance_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False
    )
    checkin_opens_minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)
    checkin_closes_minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)
    is_active = serializers.BooleanField(required=False)

    def validate_sms_keyword(self, value: str) -> str:
        value = value.strip().upper()
        if value:
            sms_keyword_validator(value)
        return value


class SqServiceCreateSerializer(SqServiceUpdateSerializer):
    organization = serializers.UUIDField()


class SqHoursWriteSerializer(Serializer):
    hours = SqHoursSerializer(many=True, help_text="The whole week; [] clears it.")


def _validate_weights(value):
    errors = weights_errors(value)
    if errors:
        raise serializers.ValidationError(errors)
    return value


WEIGHTS_HELP = (
    'Mixed strategy: class -> tickets per round (1–10), e.g. {"priority": 2, "normal": 1}.'
)


class SqQueueUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=200)
    prefix = serializers.CharField(max_length=2, help_text="One or two capital letters.")
    kind = serializers.ChoiceField(choices=QueueKind.choices, required=False)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    weights = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text=WEIGHTS_HELP
    )
    max_size = serializers.IntegerField(
        min_value=1, max_value=100_000, allow_null=True, required=False
    )
    follows_hours = serializers.BooleanField(required=False)
    keep_arrival_on_transfer = serializers.BooleanField(required=False)
    no_show_timeout_seconds = serializers.IntegerField(min_value=30, max_value=3600, required=False)
    notify_ahead = serializers.IntegerField(min_value=0, max_value=50, required=False)
    leave_now_margin_minutes = serializers.IntegerField(min_value=0, max_value=120, required=False)
    appointment_resource = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Appointment queues: a scheduling resource of the branch (created from the "
        "service's hours when left out).",
    )

    def validate_prefix(self, value: str) -> str:
        value = value.strip().upper()
        prefix_validator(value)
        return value

    def validate_weights(self, value):
        return _validate_weights(value)


class SqQueueCreateSerializer(SqQueueUpdateSerializer):
    organization = serializers.UUIDField()
    branch = serializers.UUIDField()
    service = serializers.UUIDField()


class SqQueueCloseSerializer(Serializer):
    expire_waiting = serializers.BooleanField(
        default=False, help_text="Expire the tickets still waiting (else they are still served)."
    )


class SqCounterUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=100)
    queues = serializers.ListField(
        child=serializers.UUIDField(), max_length=50, required=False, help_text="Queue ids."
    )
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    weights = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text=WEIGHTS_HELP
    )

    def validate_weights(self, value):
        return _validate_weights(value)


class SqCounterCreateSerializer(SqCounterUpdateSerializer):
    organization = serializers.UUIDField()
    branch = serializers.UUIDField()


class SqKioskCreateSerializer(Serializer):
    organization = serializers.UUIDField()
    branch = serializers.UUIDField()
    name = serializers.CharField(max_length=100)
