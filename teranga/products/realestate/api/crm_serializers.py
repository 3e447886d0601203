"""Serializers of the CRM API: clients and contacts, the pipeline, leads, interactions,
tasks and the automation settings. Reads are plain serializers; writes refuse unknown
fields (``teranga.core.serializers.Serializer``) and bound every text."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import NOTE_MAX_LENGTH, QUERY_MAX_LENGTH
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import PhoneField, Serializer

from ..models import (
    ClientKind,
    InteractionKind,
    LeadSource,
    ScoreSignal,
    StageKind,
    TaskOrigin,
)
from ..models_crm import (
    EMAIL_MAX_LENGTH,
    MAX_STAGES,
    NAME_MAX_LENGTH,
    ROLE_MAX_LENGTH,
    STAGE_NAME_MAX_LENGTH,
    TASK_TITLE_MAX_LENGTH,
)
from .serializers import AMOUNT_MAX, RealEstateAgentSerializer


def _phone_text(value) -> str | None:
    return str(value) if value else None


# --- Clients ---------------------------------------------------------------------------------


class RealEstateContactSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "nullable": True, "description": "E.164."})
    def get_phone(self, contact):
        return _phone_text(contact.phone)


class RealEstateConsentSerializer(serializers.Serializer):
    active = serializers.BooleanField(source="consent_active")
    given_at = serializers.DateTimeField(source="consent_given_at", allow_null=True)
    withdrawn_at = serializers.DateTimeField(source="consent_withdrawn_at", allow_null=True)
    email = serializers.BooleanField(source="consent_email")
    sms = serializers.BooleanField(source="consent_sms")
    phone = serializers.BooleanField(source="consent_phone")
    whatsapp = serializers.BooleanField(source="consent_whatsapp")
    marketing = serializers.BooleanField(source="consent_marketing")


class RealEstateClientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    kind = serializers.ChoiceField(choices=ClientKind.choices)
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.SerializerMethodField()
    notes = serializers.CharField()
    user = serializers.UUIDField(
        source="user_id", allow_null=True, help_text="The client's own account, when linked."
    )
    consent = RealEstateConsentSerializer(source="*")
    contacts = RealEstateContactSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "nullable": True, "description": "E.164."})
    def get_phone(self, client):
        return _phone_text(client.phone)


class RealEstateClientWriteSerializer(Serializer):
    kind = serializers.ChoiceField(choices=ClientKind.choices, default=ClientKind.PERSON)
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    email = serializers.EmailField(
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Stored lower-case.",
    )
    phone = PhoneField(required=False, allow_blank=True)
    notes = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)
    consent_given = serializers.BooleanField(
        required=False,
        help_text="true records the client's GDPR consent now (when none is active); false "
        "withdraws it now. The channel and purpose flags say what it covers.",
    )
    consent_email = serializers.BooleanField(required=False)
    consent_sms = serializers.BooleanField(required=False)
    consent_phone = serializers.BooleanField(required=False)
    consent_whatsapp = serializers.BooleanField(required=False)
    consent_marketing = serializers.BooleanField(required=False)
    link_account = serializers.BooleanField(
        required=False,
        help_text="true links the account whose email is the client's (400 when there is "
        "none); false unlinks it.",
    )


class RealEstateClientQuerySerializer(Serializer):
    q = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A phone number (exact) or words of the name or email.",
    )
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)


class RealEstateContactWriteSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    role = serializers.CharField(max_length=ROLE_MAX_LENGTH, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True)
    phone = PhoneField(required=False, allow_blank=True)


# --- Pipeline --------------------------------------------------------------------------------


class RealEstateStageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=StageKind.choices)


class RealEstateStageCreateSerializer(Serializer):
    name = serializers.CharField(max_length=STAGE_NAME_MAX_LENGTH)
    kind = serializers.ChoiceField(choices=StageKind.choices, default=StageKind.OPEN)
    position = serializers.IntegerField(
        min_value=0,
        max_value=MAX_STAGES,
        required=False,
        help_text="Where it goes (0 is first); default last.",
    )


class RealEstateStageUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=STAGE_NAME_MAX_LENGTH, required=False)
    kind = serializers.ChoiceField(choices=StageKind.choices, required=False)


class RealEstateStageReorderSerializer(Serializer):
    stages = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=MAX_STAGES,
        help_text="Every stage of the pipeline, once each, in the new order.",
    )


class RealEstateAutomationSerializer(Serializer):
    assignment_task = serializers.BooleanField(
        required=False, help_text="Create a follow-up task for the agent a lead is assigned to."
    )
    assignment_notify = serializers.BooleanField(
        required=False, help_text="Notify the agent a lead is assigned to."
    )
    assignment_task_due_hours = serializers.IntegerField(
        min_value=0, max_value=720, required=False, help_text="The task is due this much later."
    )


# --- Leads -----------------------------------------------------------------------------------


class RealEstateClientRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ClientKind.choices)


class RealEstatePropertyRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class RealEstateScoreSignalSerializer(serializers.Serializer):
    signal = serializers.ChoiceField(choices=ScoreSignal.choices)
    label = serializers.SerializerMethodField()
    points = serializers.IntegerField()
    max = serializers.IntegerField()
    facts = serializers.ListField(
        child=serializers.CharField(),
        help_text="What was counted: the source; phone, email, consent; the number of "
        "recent interactions; `given`.",
    )

    def get_label(self, item) -> str:
        labels = dict(ScoreSignal.choices)
        return str(labels.get(item["signal"], item["signal"]))


class RealEstateLeadSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    client = RealEstateClientRefSerializer()
    source = serializers.ChoiceField(choices=LeadSource.choices)
    stage = RealEstateStageSerializer(allow_null=True)
    agent = RealEstateAgentSerializer(allow_null=True)
    property = RealEstatePropertyRefSerializer(allow_null=True)
    budget_min = serializers.IntegerField(allow_null=True, help_text="Minor units.")
    budget_max = serializers.IntegerField(allow_null=True, help_text="Minor units.")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    notes = serializers.CharField()
    score = serializers.IntegerField(help_text="0-100: the sum of `score_details`' points.")
    score_details = RealEstateScoreSignalSerializer(many=True)
    stage_changed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _amount():
    return serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, required=False, allow_null=True
    )


class RealEstateLeadUpdateSerializer(Serializer):
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    property = serializers.UUIDField(
        required=False, allow_null=True, help_text="A property of the agency."
    )
    budget_min = _amount()
    budget_max = _amount()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    notes = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class RealEstateLeadCreateSerializer(RealEstateLeadUpdateSerializer):
    client = serializers.UUIDField(help_text="A client of the agency.")
    source = serializers.ChoiceField(choices=LeadSource.choices)
    stage = serializers.UUIDField(required=False, help_text="Default: the first open stage.")
    agent = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Default: the caller. Managers choose another agent or nobody (null).",
    )


class RealEstateLeadQuerySerializer(Serializer):
    stage = serializers.UUIDField(required=False)
    agent = serializers.UUIDField(required=False)
    unassigned = serializers.BooleanField(required=False, allow_null=True, default=None)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    client = serializers.UUIDField(required=False)


class RealEstateLeadMoveSerializer(Serializer):
    stage = serializers.UUIDField(help_text="A stage of the agency's pipeline.")


class RealEstateLeadAssignSerializer(Serializer):
    agent = serializers.UUIDField(allow_null=True, help_text="An agent of the agency, or null.")


class RealEstateStageChangeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    from_stage = serializers.UUIDField(source="from_stage_id", allow_null=True)
    to_stage = serializers.UUIDField(source="to_stage_id", allow_null=True)
    from_name = serializers.CharField(help_text="Empty when the lead was created.")
    to_name = serializers.CharField()
    actor = RealEstateAgentSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


# --- Interactions ----------------------------------------------------------------------------


class RealEstateInteractionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    client = serializers.UUIDField(source="client_id")
    lead = serializers.UUIDField(source="lead_id", allow_null=True)
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    occurred_at = serializers.DateTimeField()
    author = RealEstateAgentSerializer(allow_null=True)
    summary = serializers.CharField()
    created_at = serializers.DateTimeField()


class RealEstateInteractionWriteSerializer(Serializer):
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    summary = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class RealEstateClientInteractionWriteSerializer(RealEstateInteractionWriteSerializer):
    lead = serializers.UUIDField(
        required=False, allow_null=True, help_text="One of the client's leads."
    )


# --- Tasks -----------------------------------------------------------------------------------


class RealEstateTaskSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    title = serializers.CharField()
    notes = serializers.CharField()
    due_at = serializers.DateTimeField()
    remind_at = serializers.DateTimeField(allow_null=True)
    reminder_sent_at = serializers.DateTimeField(allow_null=True)
    assignee = RealEstateAgentSerializer(allow_null=True)
    lead = serializers.UUIDField(source="lead_id", allow_null=True)
    client = serializers.UUIDField(source="client_id", allow_null=True)
    done = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)
    origin = serializers.ChoiceField(choices=TaskOrigin.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RealEstateTaskUpdateSerializer(Serializer):
    title = serializers.CharField(max_length=TASK_TITLE_MAX_LENGTH, required=False)
    notes = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False)
    remind_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="At or before `due_at`; a new time re-arms it."
    )
    assignee = serializers.UUIDField(
        required=False, help_text="An agent of the agency; only managers choose someone else."
    )
    done = serializers.BooleanField(required=False)

    def validate(self, attrs):
        task = self.instance
        due_at = attrs.get("due_at", getattr(task, "due_at", None))
        remind_at = attrs.get("remind_at", getattr(task, "remind_at", None))
        if remind_at is not None and due_at is not None and remind_at > due_at:
            raise serializers.ValidationError(
                {"remind_at": [_("The reminder comes at or before the due date.")]}
            )
        return attrs


class RealEstateTaskCreateSerializer(RealEstateTaskUpdateSerializer):
    title = serializers.CharField(max_length=TASK_TITLE_MAX_LENGTH)
    due_at = serializers.DateTimeField()
    lead = serializers.UUIDField(required=False, help_text="A lead the caller may work.")
    client = serializers.UUIDField(required=False, help_text="A client of the agency.")
    done = None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("lead" in attrs) == ("client" in attrs):
            message = _("Give a lead or a client, not both.")
            raise serializers.ValidationError({"lead": [message]})
        return attrs


class RealEstateTaskQuerySerializer(Serializer):
    done = serializers.BooleanField(required=False, allow_null=True, default=None)
    assignee = serializers.UUIDField(required=False)
    lead = serializers.UUIDField(required=False)
    client = serializers.UUIDField(required=False)


class RealEstateMyTasksQuerySerializer(Serializer):
    done = serializers.BooleanField(
        required=False, default=False, help_text="Default false: the open tasks."
    )
