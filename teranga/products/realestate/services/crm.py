"""Writes of the CRM: clients and their contacts, the agency's pipeline, leads (create,
change, move through the pipeline, assign, score), and the automation on assignment.
Tasks and interactions are in :mod:`.crm_tasks`.

Access is checked by the caller (``selectors.crm``); the rules that depend on the
caller's role inside the agency (who may assign a lead to someone else) are checked here.

**The lead's score** (0-100) is the sum of four explainable signals, each capped, and is
recomputed whenever one of them may change (the lead or its client changes, an
interaction is recorded); ``score_details`` keeps the points of each:

* ``source`` (at most 30): referral 30, walk-in 25, phone 20, website 15, portal 10;
* ``client_completeness`` (at most 25): a phone number 10, an email address 10, an
  active GDPR consent 5;
* ``recent_interactions`` (at most 25): 5 per interaction with the client during the 30
  days before the computation;
* ``budget`` (at most 20): 20 when a minimum or a maximum budget is given.

**Automation** (``AgencyAutomation``, defaults without a row): when a lead is assigned
(created with an agent, or assigned to another agent), a follow-up task is created for
the agent, due ``assignment_task_due_hours`` later, and the agent is notified
(``realestate.lead_assigned``; not when they assigned it to themselves). Both are written
in the transaction that assigns; the notification is delivered after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from teranga.core.errors import CoreError, Forbidden, ValidationFailed
from teranga.core.links import object_link
from teranga.core.phones import phone_e164_or_blank
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Membership, Organization, Role

from ..crm_notices import LEAD_ASSIGNED, LEAD_LINK
from ..errors import RealEstateError
from ..models import (
    AgencyAutomation,
    Client,
    ClientContact,
    CrmTask,
    Interaction,
    Lead,
    LeadSource,
    LeadStageChange,
    PipelineStage,
    Property,
    StageKind,
    TaskOrigin,
)
from ..models_crm import EMAIL_MAX_LENGTH, MAX_CONTACTS, MAX_STAGES, NAME_MAX_LENGTH
from ..richtext import search_text
from ..selectors.access import CRM_MANAGE
from ..selectors.crm import automation_for
from .properties import external_ref_check

UNSET: Any = object()

#: The default pipeline, created for an agency the first time it is needed (names in the
#: platform's default language; the agency renames them as it likes).
DEFAULT_STAGES: tuple[tuple[str, str], ...] = (
    (gettext_noop("New"), StageKind.OPEN),
    (gettext_noop("Qualified"), StageKind.OPEN),
    (gettext_noop("Visiting"), StageKind.OPEN),
    (gettext_noop("Offer"), StageKind.OPEN),
    (gettext_noop("Won"), StageKind.WON),
    (gettext_noop("Lost"), StageKind.LOST),
)

# --- The score -------------------------------------------------------------------------------

SOURCE_POINTS = {
    LeadSource.REFERRAL: 30,
    LeadSource.WALK_IN: 25,
    LeadSource.PHONE: 20,
    LeadSource.WEBSITE: 15,
    LeadSource.PORTAL: 10,
}
SOURCE_MAX = 30
PHONE_POINTS = 10
EMAIL_POINTS = 10
CONSENT_POINTS = 5
COMPLETENESS_MAX = PHONE_POINTS + EMAIL_POINTS + CONSENT_POINTS
INTERACTION_POINTS = 5
INTERACTIONS_MAX = 25
INTERACTION_WINDOW = timedelta(days=30)
BUDGET_POINTS = 20
#: The signals, in the order ``score_details`` lists them.
SIGNALS = ("source", "client_completeness", "recent_interactions", "budget")


def lead_score(lead: Lead, *, recent_interactions: int) -> tuple[int, list[dict]]:
    """The score of ``lead`` and its explanation: one ``{"signal", "points", "max",
    "facts"}`` per signal (``facts``: what was counted). See the module's docstring."""
    client = lead.client
    source = SOURCE_POINTS.get(lead.source, 0)
    facts = []
    completeness = 0
    if client.phone:
        completeness += PHONE_POINTS
        facts.append("phone")
    if client.email:
        completeness += EMAIL_POINTS
        facts.append("email")
    if client.consent_active:
        completeness += CONSENT_POINTS
        facts.append("consent")
    interactions = min(INTERACTIONS_MAX, INTERACTION_POINTS * recent_interactions)
    budget_given = lead.budget_min is not None or lead.budget_max is not None
    details = [
        {"signal": "source", "points": source, "max": SOURCE_MAX, "facts": [lead.source]},
        {
            "signal": "client_completeness",
            "points": completeness,
            "max": COMPLETENESS_MAX,
            "facts": facts,
        },
        {
            "signal": "recent_interactions",
            "points": interactions,
            "max": INTERACTIONS_MAX,
            "facts": [str(recent_interactions)],
        },
        {
            "signal": "budget",
            "points": BUDGET_POINTS if budget_given else 0,
            "max": BUDGET_POINTS,
            "facts": ["given"] if budget_given else [],
        },
    ]
    return sum(item["points"] for item in details), details


def leads_rescore(*, client: Client, now: datetime | None = None) -> None:
    """Recompute the score of every lead of ``client`` (two queries and one update per
    lead whose score changed)."""
    now = now or timezone.now()
    recent = Interaction.objects.filter(
        client=client, occurred_at__gte=now - INTERACTION_WINDOW, occurred_at__lte=now
    ).count()
    for lead in Lead.objects.filter(client=client):
        lead.client = client
        score, details = lead_score(lead, recent_interactions=recent)
        if score != lead.score or details != lead.score_details:
            Lead.objects.filter(pk=lead.pk).update(
                score=score, score_details=details, updated_at=now
            )


# --- Shared checks -----------------------------------------------------------------------


def _lock_organization(organization: Organization) -> None:
    list(Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk"))


def _email(value: str | None) -> str:
    return (value or "").strip().lower()


def _phone(organization: Organization, value, field: str = "phone") -> str | None:
    return phone_e164_or_blank(value, region=organization.country, field=field) or None


def crm_may_manage(actor, organization: Organization) -> bool:
    return access.can(actor, organization, CRM_MANAGE)


def agent_check(organization: Organization, user_id, *, field: str, code: str) -> Any:
    """The user ``user_id`` if they are an agent (or above) of the agency; 400 ``code``
    naming ``field`` otherwise."""
    membership = (
        Membership.objects.filter(organization=organization, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None or not access.role_at_least(membership.role, Role.AGENT):
        message = _("Choose an agent of this agency.")
        raise ValidationFailed(message, code=code, fields={field: [message]})
    return membership.user


# --- Clients ---------------------------------------------------------------------------------

CLIENT_FIELDS = {"kind", "name", "email", "phone", "notes", "external_ref"}
CONSENT_FLAGS = ("consent_email", "consent_sms", "consent_phone", "consent_whatsapp")
CONSENT_FIELDS = {*CONSENT_FLAGS, "consent_marketing"}


def _account_for(email: str):
    user = (
        get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if email
        else None
    )
    if user is None:
        message = _("No account uses this client's email address.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"link_account": [message]})
    return user


def _apply_client_fields(client: Client, organization: Organization, fields: dict) -> None:
    for name, value in fields.items():
        if name == "email":
            value = _email(value)
        elif name == "phone":
            value = _phone(organization, value)
        elif name in ("name", "notes", "external_ref"):
            value = (value or "").strip()
        setattr(client, name, value)
    if "external_ref" in fields:
        external_ref_check(Client, organization, client.external_ref, exclude_pk=client.pk)


def _apply_consent(client: Client, consent_given, flags: dict, now: datetime) -> None:
    for name, value in flags.items():
        setattr(client, name, bool(value))
    if consent_given is True and not client.consent_active:
        client.consent_given_at = now
        client.consent_withdrawn_at = None
    elif consent_given is False and client.consent_active:
        client.consent_withdrawn_at = now


@transaction.atomic
def client_create(
    *,
    organization: Organization,
    actor,
    name: str,
    kind: str = "person",
    email: str = "",
    phone: str = "",
    notes: str = "",
    consent_given: bool | None = None,
    link_account: bool = False,
    external_ref: str = "",
    **consent_flags,
) -> Client:
    client = Client(organization=organization, created_by=actor)
    _apply_client_fields(
        client,
        organization,
        {"kind": kind, "name": name, "email": email, "phone": phone, "external_ref": external_ref},
    )
    client.notes = (notes or "").strip()
    _apply_consent(client, consent_given, _only(consent_flags, CONSENT_FIELDS), timezone.now())
    if link_account:
        client.user = _account_for(client.email)
    client.search_text = search_text(client.name, client.email)
    client.save()
    return client


def client_record_for_user(*, organization: Organization, user) -> Client:
    """The agency's CRM record of ``user`` (the client's own account: a reservation, a
    saved search), made when missing (their name and email, linked to the account)."""
    found = Client.objects.filter(organization=organization, user=user).order_by("created_at")
    client = found.first()
    if client is None:
        name = (user.get_full_name() or user.email.split("@")[0])[:NAME_MAX_LENGTH]
        client = Client.objects.create(
            organization=organization,
            name=name,
            email=(user.email or "").lower()[:EMAIL_MAX_LENGTH],
            user=user,
            search_text=search_text(name, user.email or ""),
        )
    return client


def _only(fields: dict, allowed: set) -> dict:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def client_update(
    *,
    client: Client,
    actor,
    consent_given: bool | None = None,
    link_account: bool | None = None,
    **fields,
) -> Client:
    """Change ``fields`` (any of the creation's); ``consent_given`` true records a new
    consent (when none is active), false withdraws it; ``link_account`` true links the
    account of the client's email, false unlinks."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    base = {k: v for k, v in fields.items() if k in CLIENT_FIELDS}
    flags = _only({k: v for k, v in fields.items() if k not in CLIENT_FIELDS}, CONSENT_FIELDS)
    _apply_client_fields(client, client.organization, base)
    _apply_consent(client, consent_given, flags, timezone.now())
    if link_account is True:
        client.user = _account_for(client.email)
    elif link_account is False:
        client.user = None
    client.search_text = search_text(client.name, client.email)
    client.save()
    leads_rescore(client=client)
    return client


def client_differs(*, client: Client, consent_given: bool | None = None, **fields) -> bool:
    """Whether ``client_update`` with these fields (no account linking) would change
    ``client``, the values cleaned as it cleans them (nothing saved, no query): an import
    leaves a row the file repeats as it is."""
    for name, value in fields.items():
        if name == "email":
            value = _email(value)
        elif name == "phone":
            value = _phone(client.organization, value)
        elif name in ("name", "notes", "external_ref"):
            value = (value or "").strip()
        elif name in CONSENT_FIELDS:
            value = bool(value)
        current = getattr(client, name)
        if name == "phone":
            value, current = str(value or ""), str(current or "")
        if value != current:
            return True
    if consent_given is True and not client.consent_active:
        return True
    return consent_given is False and client.consent_active


@transaction.atomic
def client_delete(*, client: Client) -> None:
    """With its contacts, leads, interactions and tasks."""
    client.delete()


CONTACT_FIELDS = {"name", "role", "email", "phone"}


@transaction.atomic
def contact_add(*, client: Client, name: str, role: str = "", email: str = "", phone: str = ""):
    list(Client.objects.select_for_update().filter(pk=client.pk).values_list("pk"))
    if ClientContact.objects.filter(client=client).count() >= MAX_CONTACTS:
        raise ValidationFailed(
            _("A client has at most %(count)s contacts.") % {"count": MAX_CONTACTS},
            code=RealEstateError.TOO_MANY_CONTACTS,
        )
    return ClientContact.objects.create(
        organization_id=client.organization_id,
        client=client,
        name=name.strip(),
        role=(role or "").strip(),
        email=_email(email),
        phone=_phone(client.organization, phone),
    )


@transaction.atomic
def contact_update(*, contact: ClientContact, organization: Organization, **fields):
    for name, value in _only(fields, CONTACT_FIELDS).items():
        if name == "email":
            value = _email(value)
        elif name == "phone":
            value = _phone(organization, value)
        else:
            value = (value or "").strip()
        setattr(contact, name, value)
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: ClientContact) -> None:
    contact.delete()


# --- The pipeline ----------------------------------------------------------------------------


def pipeline_ensure(*, organization: Organization) -> list[PipelineStage]:
    """The agency's stages in order; the default pipeline is created the first time (with
    the agency's row locked: two first requests create it once)."""
    stages = list(PipelineStage.objects.filter(organization=organization))
    if stages:
        return stages
    with transaction.atomic():
        _lock_organization(organization)
        stages = list(PipelineStage.objects.filter(organization=organization))
        if stages:
            return stages
        with translation.override(settings.LANGUAGE_CODE):
            PipelineStage.objects.bulk_create(
                PipelineStage(organization=organization, name=_(name), order=index, kind=kind)
                for index, (name, kind) in enumerate(DEFAULT_STAGES)
            )
    return list(PipelineStage.objects.filter(organization=organization))


def _name_taken(organization: Organization, name: str, exclude=None) -> None:
    taken = PipelineStage.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        message = _("Another stage has this name.")
        raise ValidationFailed(
            message, code=RealEstateError.STAGE_NAME_TAKEN, fields={"name": [message]}
        )


@transaction.atomic
def stage_create(
    *, organization: Organization, name: str, kind: str, position: int | None = None
) -> PipelineStage:
    """A new stage at ``position`` (0 is first; default last); the others shift."""
    stages = pipeline_ensure(organization=organization)
    _lock_organization(organization)
    stages = list(PipelineStage.objects.filter(organization=organization))
    if len(stages) >= MAX_STAGES:
        raise ValidationFailed(
            _("A pipeline has at most %(count)s stages.") % {"count": MAX_STAGES},
            code=RealEstateError.TOO_MANY_STAGES,
        )
    name = name.strip()
    _name_taken(organization, name)
    position = len(stages) if position is None else max(0, min(position, len(stages)))
    stage = PipelineStage(organization=organization, name=name, kind=kind)
    stages.insert(position, stage)
    stage.order = position
    stage.save()
    _renumber(stages)
    return stage


def _renumber(stages: list[PipelineStage]) -> None:
    changed = []
    for index, stage in enumerate(stages):
        if stage.order != index:
            stage.order = index
            changed.append(stage)
    PipelineStage.objects.bulk_update(changed, ["order"])


@transaction.atomic
def stage_update(*, stage: PipelineStage, name=UNSET, kind=UNSET) -> PipelineStage:
    if name is not UNSET:
        name = name.strip()
        _name_taken(stage.organization, name, exclude=stage)
        stage.name = name
    if kind is not UNSET:
        stage.kind = kind
    stage.save()
    return stage


@transaction.atomic
def stages_reorder(*, organization: Organization, stage_ids: list) -> list[PipelineStage]:
    """Put the agency's stages in the order of ``stage_ids``, which names each of them
    exactly once (400 ``invalid`` otherwise)."""
    _lock_organization(organization)
    stages = {stage.pk: stage for stage in PipelineStage.objects.filter(organization=organization)}
    if len(stage_ids) != len(set(stage_ids)) or set(stage_ids) != set(stages):
        message = _("List every stage of the pipeline exactly once.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"stages": [message]})
    ordered = [stages[pk] for pk in stage_ids]
    _renumber(ordered)
    return ordered


# --- Leads -----------------------------------------------------------------------------------

LEAD_FIELDS = {"source", "budget_min", "budget_max", "currency", "notes", "property"}


def _stage_of(organization: Organization, stage_id) -> PipelineStage:
    stages = pipeline_ensure(organization=organization)
    if stage_id is None:
        return next((s for s in stages if s.kind == StageKind.OPEN), stages[0])
    for stage in stages:
        if stage.pk == stage_id:
            return stage
    message = _("Choose a stage of this agency's pipeline.")
    raise ValidationFailed(
        message, code=RealEstateError.STAGE_NOT_FOUND, fields={"stage": [message]}
    )


def _property_of(organization: Organization, property_id):
    if property_id is None:
        return None
    prop = Property.objects.filter(organization=organization, pk=property_id).first()
    if prop is None:
        message = _("Choose a property of this agency.")
        raise ValidationFailed(
            message, code=RealEstateError.PROPERTY_NOT_FOUND, fields={"property": [message]}
        )
    return prop


def _budget_check(budget_min, budget_max) -> None:
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        message = _("The minimum budget is above the maximum.")
        raise ValidationFailed(message, code=CoreError.INVALID, fields={"budget_min": [message]})


def _on_assigned(lead: Lead, agent, actor, now: datetime) -> None:
    """The automation of an assignment (see the module's docstring)."""
    settings_row = automation_for(organization=lead.organization)
    client_name = lead.client.name
    if settings_row.assignment_task:
        with translation.override(getattr(agent, "language", None) or settings.LANGUAGE_CODE):
            title = _("Follow up the lead of %(client)s") % {"client": client_name}
        CrmTask.objects.create(
            organization_id=lead.organization_id,
            title=title[:200],
            due_at=now + timedelta(hours=settings_row.assignment_task_due_hours),
            assignee=agent,
            created_by=actor,
            lead=lead,
            client_id=lead.client_id,
            origin=TaskOrigin.ASSIGNMENT,
        )
    if settings_row.assignment_notify and agent.pk != getattr(actor, "pk", None):
        notification_send(
            recipient=agent,
            kind=LEAD_ASSIGNED,
            context={
                "lead": str(lead.pk),
                "client": client_name,
                "source": lead.source,
                "organization": lead.organization.name,
            },
            link=object_link(LEAD_LINK, lead.pk),
            idempotency_key=f"realestate.lead:{lead.pk}:assigned:{agent.pk}:{now.isoformat()}",
        )


def _agent_for(organization: Organization, actor, agent_id):
    """The agent a lead gets: ``agent_id`` (only managers choose someone else; 403), the
    actor by default, or nobody with ``agent_id=None``."""
    if agent_id is UNSET:
        return actor
    if agent_id is None:
        if not crm_may_manage(actor, organization):
            raise Forbidden()
        return None
    if agent_id != actor.pk and not crm_may_manage(actor, organization):
        raise Forbidden()
    return agent_check(organization, agent_id, field="agent", code=RealEstateError.AGENT_NOT_MEMBER)


@transaction.atomic
def lead_create(
    *,
    organization: Organization,
    actor,
    client: Client,
    source: str,
    agent_id=UNSET,
    stage_id=None,
    property_id=None,
    budget_min: int | None = None,
    budget_max: int | None = None,
    currency: str = "XOF",
    notes: str = "",
) -> Lead:
    """A lead of ``client`` (of the same agency: checked by the caller), in ``stage_id``
    (default the first open stage), assigned to ``agent_id`` (default the actor)."""
    now = timezone.now()
    _budget_check(budget_min, budget_max)
    agent = _agent_for(organization, actor, agent_id)
    lead = Lead(
        organization=organization,
        client=client,
        source=source,
        stage=_stage_of(organization, stage_id),
        agent=agent,
        property=_property_of(organization, property_id),
        budget_min=budget_min,
        budget_max=budget_max,
        currency=currency,
        notes=(notes or "").strip(),
        stage_changed_at=now,
        created_by=actor,
    )
    lead.save()
    LeadStageChange.objects.create(
        organization=organization,
        lead=lead,
        to_stage=lead.stage,
        to_name=lead.stage.name,
        actor=actor,
    )
    leads_rescore(client=client, now=now)
    if agent is not None:
        _on_assigned(lead, agent, actor, now)
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, **fields) -> Lead:
    """Change ``fields`` (source, budget, currency, notes, property)."""
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("client", "organization")
        .get(pk=lead.pk)
    )
    fields = _only(fields, LEAD_FIELDS)
    if "property" in fields:
        lead.property = _property_of(lead.organization, fields.pop("property"))
    for name, value in fields.items():
        setattr(lead, name, value.strip() if name == "notes" else value)
    _budget_check(lead.budget_min, lead.budget_max)
    lead.save()
    leads_rescore(client=lead.client)
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_move(*, lead: Lead, actor, stage_id) -> Lead:
    """Move ``lead`` to another stage of its agency's pipeline, recording who moved it,
    when, from and to. Moving to the stage it is in changes nothing."""
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("stage", "organization")
        .get(pk=lead.pk)
    )
    stage = _stage_of(lead.organization, stage_id)
    if stage.pk == lead.stage_id:
        return lead
    previous = lead.stage
    lead.stage = stage
    lead.stage_changed_at = timezone.now()
    lead.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    LeadStageChange.objects.create(
        organization_id=lead.organization_id,
        lead=lead,
        from_stage=previous,
        to_stage=stage,
        from_name=previous.name if previous else "",
        to_name=stage.name,
        actor=actor,
    )
    return lead


@transaction.atomic
def lead_assign(*, lead: Lead, actor, agent_id) -> Lead:
    """Give ``lead`` to ``agent_id`` (``None``: nobody). An agent may take a lead for
    themselves; only managers choose another agent or unassign (403). A new agent gets
    the automation's task and notification."""
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("client", "organization")
        .get(pk=lead.pk)
    )
    agent = _agent_for(lead.organization, actor, agent_id)
    new_id = agent.pk if agent is not None else None
    if new_id == lead.agent_id:
        return lead
    lead.agent = agent
    lead.save(update_fields=["agent", "updated_at"])
    if agent is not None:
        _on_assigned(lead, agent, actor, timezone.now())
    return lead


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """With its stage history, interactions and tasks."""
    lead.delete()


# --- Automation settings ---------------------------------------------------------------------

AUTOMATION_FIELDS = {"assignment_task", "assignment_notify", "assignment_task_due_hours"}


@transaction.atomic
def automation_update(*, organization: Organization, **fields) -> AgencyAutomation:
    row, _created = AgencyAutomation.objects.select_for_update().get_or_create(
        organization=organization
    )
    for name, value in _only(fields, AUTOMATION_FIELDS).items():
        setattr(row, name, value)
    row.save()
    return row
