"""DIGIT-HAB's CRM: the agency's clients (people or companies with contacts, with their
GDPR consent), its leads moving through a pipeline of stages the agency configures, the
interactions with clients, the agents' tasks with their reminders, and the agency's
automation settings.

Every row belongs to one agency (``organization``). Phones are encrypted at rest
(``EncryptedPhoneNumberField``) and looked up through their keyed hash
(``PhoneHashField``); emails are stored lower-case and trimmed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedPhoneNumberField, PhoneHashField
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES

__all__ = [
    "AgencyAutomation",
    "Client",
    "ClientContact",
    "ClientKind",
    "CrmTask",
    "Interaction",
    "InteractionKind",
    "Lead",
    "LeadSource",
    "LeadStageChange",
    "PipelineStage",
    "ScoreSignal",
    "StageKind",
    "TaskOrigin",
]

NAME_MAX_LENGTH = 200
ROLE_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
STAGE_NAME_MAX_LENGTH = 60
TASK_TITLE_MAX_LENGTH = 200
#: As ``models.EXTERNAL_REF_MAX_LENGTH`` (this module cannot import ``models``).
EXTERNAL_REF_MAX_LENGTH = 100
#: Stages of one agency's pipeline, contacts of one client.
MAX_STAGES = 20
MAX_CONTACTS = 20


class ClientKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Client(BaseModel):
    """A person or a company the agency works with; optionally linked to a user account
    (the client's own login), which the GDPR export then covers."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_clients",
        verbose_name=_("agency"),
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=ClientKind.choices, default=ClientKind.PERSON
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    email = models.EmailField(_("email"), max_length=EMAIL_MAX_LENGTH, blank=True)
    phone = EncryptedPhoneNumberField(_("phone number"), blank=True, null=True)
    phone_hash = PhoneHashField(source="phone")
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_client_records",
        verbose_name=_("user account"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    #: GDPR consent: when it was given, for which channels and purposes, and when it
    #: was withdrawn (the flags stay as they were, for the record).
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_email = models.BooleanField(_("consents to email"), default=False)
    consent_sms = models.BooleanField(_("consents to SMS"), default=False)
    consent_phone = models.BooleanField(_("consents to calls"), default=False)
    consent_whatsapp = models.BooleanField(_("consents to WhatsApp"), default=False)
    consent_marketing = models.BooleanField(_("consents to marketing"), default=False)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    #: Lower-case, accent-free name and email: what ``q`` searches. Written by the services.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    #: The agency's own reference (unique in the agency when set): imports match on it.
    external_ref = models.CharField(
        _("external reference"), max_length=EXTERNAL_REF_MAX_LENGTH, blank=True, default=""
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="re_client_org_idx"),
            models.Index(fields=["organization", "phone_hash"], name="re_client_phone_idx"),
            models.Index(fields=["organization", "email"], name="re_client_email_idx"),
            models.Index(fields=["user"], name="re_client_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_ref"],
                condition=~Q(external_ref=""),
                name="re_client_external_ref_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def consent_active(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class ClientContact(BaseModel):
    """A person to talk to at a company client."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client")
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    role = models.CharField(_("role"), max_length=ROLE_MAX_LENGTH, blank=True)
    email = models.EmailField(_("email"), max_length=EMAIL_MAX_LENGTH, blank=True)
    phone = EncryptedPhoneNumberField(_("phone number"), blank=True, null=True)
    phone_hash = PhoneHashField(source="phone")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")
        indexes = [
            models.Index(fields=["client", "created_at"], name="re_contact_client_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class PipelineStage(BaseModel):
    """One stage of an agency's lead pipeline, in ``order``. The default pipeline (new →
    qualified → visiting → offer → won / lost) is created the first time it is needed."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_pipeline_stages",
        verbose_name=_("agency"),
    )
    name = models.CharField(_("name"), max_length=STAGE_NAME_MAX_LENGTH)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(
        _("kind"), max_length=4, choices=StageKind.choices, default=StageKind.OPEN
    )

    class Meta:
        ordering = ["order", "created_at"]
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        indexes = [
            models.Index(fields=["organization", "order"], name="re_stage_order_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="re_stage_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class LeadSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    PORTAL = "portal", _("Portal")
    REFERRAL = "referral", _("Referral")


class ScoreSignal(models.TextChoices):
    """The signals a lead's score adds up (``services.crm`` has the formula)."""

    SOURCE = "source", _("Source of the lead")
    CLIENT_COMPLETENESS = "client_completeness", _("Client's details (phone, email, consent)")
    RECENT_INTERACTIONS = "recent_interactions", _("Interactions in the last 30 days")
    BUDGET = "budget", _("Budget given")


class Lead(BaseModel):
    """A client's interest the agency works on: where it came from, where it stands in
    the pipeline, who handles it and how promising it looks (``score``, 0-100, with the
    points of each signal in ``score_details``; see ``services.crm.lead_score``)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_leads",
        verbose_name=_("agency"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="leads", verbose_name=_("client")
    )
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices)
    #: Null only if its stage was deleted from the admin's database directly.
    stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("stage"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_leads",
        verbose_name=_("agent"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("property of interest"),
    )
    budget_min = models.PositiveBigIntegerField(
        _("budget min (minor units)"), null=True, blank=True
    )
    budget_max = models.PositiveBigIntegerField(
        _("budget max (minor units)"), null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    score = models.PositiveSmallIntegerField(
        _("score"), default=0, validators=[MaxValueValidator(100)]
    )
    score_details = models.JSONField(_("score details"), default=list, blank=True)
    stage_changed_at = models.DateTimeField(_("stage changed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="re_lead_org_idx"),
            models.Index(fields=["organization", "stage"], name="re_lead_stage_idx"),
            models.Index(fields=["agent", "created_at"], name="re_lead_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client} ({self.get_source_display()})"


class LeadStageChange(AppendOnlyModel, BaseModel):
    """One move of a lead from a stage to another: who, when, from and to (the names are
    kept as they were, should a stage be renamed later)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("lead")
    )
    from_stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to stage"),
    )
    from_name = models.CharField(_("from"), max_length=STAGE_NAME_MAX_LENGTH, blank=True)
    to_name = models.CharField(_("to"), max_length=STAGE_NAME_MAX_LENGTH, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead stage change")
        verbose_name_plural = _("lead stage changes")
        indexes = [
            models.Index(fields=["lead", "created_at"], name="re_lead_change_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_name} → {self.to_name}"


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Interaction(BaseModel):
    """A call, email, WhatsApp message, meeting or note with a client (and one of its
    leads, optionally)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("client")
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("lead"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    summary = models.TextField(_("summary"), max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["-occurred_at", "-created_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["client", "occurred_at"], name="re_interaction_client_idx"),
            models.Index(fields=["lead", "occurred_at"], name="re_interaction_lead_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class TaskOrigin(models.TextChoices):
    MANUAL = "manual", _("Created by someone")
    ASSIGNMENT = "assignment", _("Lead assignment")


class CrmTask(BaseModel):
    """Something an agent has to do, on a lead or a client, by ``due_at``; reminded at
    ``remind_at`` once (``reminder_sent_at``), and reminded again only if ``remind_at``
    changes."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_tasks",
        verbose_name=_("agency"),
    )
    title = models.CharField(_("title"), max_length=TASK_TITLE_MAX_LENGTH)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    due_at = models.DateTimeField(_("due at"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_tasks",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("lead"),
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("client"),
    )
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    origin = models.CharField(
        _("origin"), max_length=10, choices=TaskOrigin.choices, default=TaskOrigin.MANUAL
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("CRM task")
        verbose_name_plural = _("CRM tasks")
        indexes = [
            models.Index(fields=["organization", "due_at"], name="re_task_org_idx"),
            models.Index(fields=["assignee", "done", "due_at"], name="re_task_assignee_idx"),
            models.Index(
                fields=["remind_at"],
                condition=Q(reminder_sent_at__isnull=True, done=False),
                name="re_task_reminder_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgencyAutomation(BaseModel):
    """What the CRM does by itself for one agency. Without a row, the defaults apply."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_automation",
        verbose_name=_("agency"),
    )
    #: When a lead is assigned (created with or changed to an agent): a follow-up task
    #: for the agent, due ``assignment_task_due_hours`` later, and a notification.
    assignment_task = models.BooleanField(_("task on assignment"), default=True)
    assignment_notify = models.BooleanField(_("notify on assignment"), default=True)
    assignment_task_due_hours = models.PositiveSmallIntegerField(
        _("task due after (hours)"), default=24, validators=[MaxValueValidator(720)]
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("agency automation")
        verbose_name_plural = _("agency automations")

    def __str__(self) -> str:
        return str(self.organization_id)
