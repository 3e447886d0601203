"""Serializers of the Academy's API. Writes refuse fields they do not know (400
``unknown field``); business rules live in the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.serializers import BaseModelSerializer, Serializer

from ..models import (
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    AttendanceMethod,
    Enrolment,
    Formation,
    Level,
    Platform,
    Session,
)
from ..services.sessions import MAX_SESSIONS


class FormationSerializer(BaseModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    instructor_name = serializers.SerializerMethodField()

    class Meta:
        model = Formation
        fields = [
            "id",
            "organization",
            "organization_name",
            "title",
            "level",
            "description",
            "price_amount",
            "currency",
            "platform",
            "meeting_url",
            "instructor",
            "instructor_name",
            "is_published",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_instructor_name(self, formation) -> str:
        user = formation.instructor
        if user is None:
            return ""
        return (f"{user.first_name} {user.last_name}".strip()) or user.email


class FormationWriteSerializer(Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    level = serializers.ChoiceField(choices=Level.choices)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="HTML; sanitised (only safe markup is kept).",
    )
    price_amount = serializers.IntegerField(
        min_value=0, help_text="Minor units of the academy's currency (EUR cents)."
    )
    platform = serializers.ChoiceField(choices=Platform.choices)
    meeting_url = serializers.URLField(max_length=URL_MAX_LENGTH)
    instructor = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A staff member (agent and above) of the academy.",
    )
    is_published = serializers.BooleanField(required=False)


class FormationCreateSerializer(FormationWriteSerializer):
    organization = serializers.UUIDField(help_text="The academy.")


class SessionSerializer(BaseModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "formation", "schedule", "starts_at", "ends_at", "status", "created_at"]
        read_only_fields = fields


class SessionMoveSerializer(Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ScheduleCreateSerializer(Serializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="0 = Monday … 6 = Sunday.",
    )
    start_time = serializers.TimeField(help_text="Local time of the academy (HH:MM).")
    duration_minutes = serializers.IntegerField(min_value=15, max_value=600)
    first_date = serializers.DateField()
    last_date = serializers.DateField(
        help_text=f"Included. At most {MAX_SESSIONS} sessions in one schedule."
    )


class ScheduleSerializer(Serializer):
    id = serializers.UUIDField()
    formation = serializers.UUIDField(source="formation_id")
    weekdays = serializers.ListField(child=serializers.IntegerField())
    start_time = serializers.TimeField()
    duration_minutes = serializers.IntegerField()
    time_zone = serializers.CharField()
    first_date = serializers.DateField()
    last_date = serializers.DateField()
    sessions = SessionSerializer(many=True, source="sessions.all")


class EnrolmentSerializer(BaseModelSerializer):
    formation_title = serializers.CharField(source="formation.title", read_only=True)
    member = serializers.UUIDField(source="user_id", read_only=True)
    member_name = serializers.SerializerMethodField()
    sessions_held = serializers.IntegerField(read_only=True, default=0)
    sessions_attended = serializers.IntegerField(read_only=True, default=0)
    completion_rate = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "formation",
            "formation_title",
            "member",
            "member_name",
            "status",
            "amount",
            "currency",
            "activated_at",
            "payment",
            "sessions_held",
            "sessions_attended",
            "completion_rate",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_member_name(self, enrolment) -> str:
        user = enrolment.user
        return (f"{user.first_name} {user.last_name}".strip()) or user.email

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_completion_rate(self, enrolment) -> float:
        """Sessions attended over sessions held (0 to 1; 0 before the first session)."""
        held = int(getattr(enrolment, "sessions_held", 0) or 0)
        attended = int(getattr(enrolment, "sessions_attended", 0) or 0)
        return round(min(attended / held, 1.0), 4) if held else 0.0


class CheckinLinkSerializer(Serializer):
    url = serializers.CharField(help_text="The member's own check-in page.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class CheckinSerializer(Serializer):
    token = serializers.CharField(max_length=500, help_text="The token of the check-in link.")


class AttendanceSerializer(Serializer):
    id = serializers.UUIDField()
    session = serializers.UUIDField(source="session_id")
    member = serializers.UUIDField(source="user_id")
    present = serializers.BooleanField()
    method = serializers.ChoiceField(choices=AttendanceMethod.choices)
    updated_at = serializers.DateTimeField()


class RollCallEntrySerializer(Serializer):
    user = serializers.UUIDField(help_text="A member enrolled in the formation.")
    present = serializers.BooleanField()


class RollCallSerializer(Serializer):
    entries = RollCallEntrySerializer(many=True, min_length=1, max_length=500)


class SessionAttendanceSerializer(Serializer):
    enrolment = serializers.UUIDField(source="pk")
    member = serializers.UUIDField(source="user_id")
    member_name = serializers.SerializerMethodField()
    present = serializers.BooleanField(allow_null=True, help_text="null: not recorded.")
    method = serializers.ChoiceField(choices=AttendanceMethod.choices, allow_null=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_member_name(self, enrolment) -> str:
        user = enrolment.user
        return (f"{user.first_name} {user.last_name}".strip()) or user.email


class MemberPaymentSerializer(Serializer):
    id = serializers.UUIDField()
    formation = serializers.UUIDField(allow_null=True)
    formation_title = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units.")
    currency = serializers.CharField()
    status = serializers.CharField()
    method = serializers.CharField()
    transaction_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    invoice = serializers.UUIDField(allow_null=True)
    invoice_number = serializers.CharField(allow_null=True)


class DashboardRowSerializer(Serializer):
    formation = serializers.UUIDField()
    title = serializers.CharField()
    currency = serializers.CharField()
    enrolments_active = serializers.IntegerField()
    enrolments_pending = serializers.IntegerField()
    sessions_held = serializers.IntegerField()
    attendances = serializers.IntegerField(help_text="Present marks at sessions held.")
    attendance_rate = serializers.FloatField(
        help_text="Present marks over active members × sessions held (0 to 1)."
    )
    revenue = serializers.IntegerField(help_text="Net of refunds, minor units.")


class DashboardSerializer(Serializer):
    formations = DashboardRowSerializer(many=True)
