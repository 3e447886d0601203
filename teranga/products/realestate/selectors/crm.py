"""Reads of the CRM, and who may see what (through ``organizations.access``):

* **clients** (with their contacts and interactions) are the agency's shared address
  book: every agent of the agency and above reads and changes them
  (``realestate.crm.view``); managers and above delete them (``realestate.crm.manage``);
* **leads**: an agent sees and works the leads assigned to them and the agency's
  unassigned ones (which they may take); managers and above see, reassign and delete every
  lead of the agency. Another agent's lead answers 403 to an agent;
* **tasks**: an agent sees the tasks assigned to them or that they created; managers and
  above every task of the agency;
* **the pipeline** is read by every agent; its stages and the automation are changed by
  the agency's admins (``realestate.settings.manage``).

Platform staff have no access to the CRM (personal data). Anything of another agency
answers 404 with its own code; a member whose role is too low gets 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from teranga.core.encryption import phone_hash
from teranga.core.errors import Forbidden, NotFound
from teranga.core.phones import phone_parse
from teranga.core.validators import parse_uuid
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization

from ..errors import RealEstateError
from ..models import (
    AgencyAutomation,
    Client,
    ClientContact,
    CrmTask,
    Interaction,
    Lead,
    LeadStageChange,
    PipelineStage,
)
from ..richtext import search_words
from .access import CRM_MANAGE, CRM_VIEW, SETTINGS_MANAGE
from .properties import agency_for

__all__ = [
    "CRM_MANAGE",
    "CRM_VIEW",
    "SETTINGS_MANAGE",
    "automation_for",
    "client_detail",
    "client_for",
    "client_lead",
    "clients_list",
    "contact_for",
    "crm_agency",
    "crm_user_export",
    "interactions_list",
    "lead_detail",
    "lead_for",
    "lead_link_rows",
    "lead_link_target",
    "lead_stage_changes",
    "leads_list",
    "stage_for",
    "task_for",
    "tasks_list",
    "tasks_mine",
]


def crm_agency(*, user, organization_id, action: str = CRM_VIEW) -> Organization:
    """The agency where ``user`` may do ``action`` (404 ``organization_not_found``, 403,
    400 ``agency_kind_not_supported``). Carries ``current_membership``."""
    return agency_for(user=user, organization_id=organization_id, action=action)


def _checked(user, obj, action: str, code: str):
    """``obj`` (with its ``organization``) if ``user`` may do ``action`` on its agency:
    404 ``code`` outside it, 403 for a role too low. Sets ``current_membership`` and
    ``may_manage`` on it."""
    membership = access.membership_of(user, obj.organization_id)
    verdict = access.decide(user, obj.organization, action, membership)
    if verdict == "hide":
        raise NotFound(code=code)
    if verdict == "forbid":
        raise Forbidden()
    obj.current_membership = membership
    obj.may_manage = access.decide(user, obj.organization, CRM_MANAGE, membership) == "allow"
    return obj


def _get(queryset: QuerySet, object_id, code: str):
    key = parse_uuid(object_id)
    found = queryset.filter(pk=key).first() if key is not None else None
    if found is None:
        raise NotFound(code=code)
    return found


# --- Clients ---------------------------------------------------------------------------------


def client_for(*, user, client_id, action: str = CRM_VIEW) -> Client:
    client = _get(
        Client.objects.select_related("organization", "user"),
        client_id,
        RealEstateError.CLIENT_NOT_FOUND,
    )
    return _checked(user, client, action, RealEstateError.CLIENT_NOT_FOUND)


def clients_list(*, organization: Organization, q: str = "", kind: str = "") -> QuerySet[Client]:
    """The agency's clients, newest first; ``q`` finds a phone number (exactly, by its
    keyed hash: the client's or a contact's) or every word in the name or email."""
    clients = Client.objects.filter(organization=organization).prefetch_related("contacts")
    if kind:
        clients = clients.filter(kind=kind)
    q = (q or "").strip()
    if q:
        words = Q()
        for word in search_words(q):
            words &= Q(search_text__contains=word)
        match = words if words else Q(pk__in=[])
        number = phone_parse(q, region=organization.country)
        if number:
            digest = phone_hash(number)
            contacts = ClientContact.objects.filter(
                organization=organization, phone_hash=digest
            ).values("client_id")
            match |= Q(phone_hash=digest) | Q(pk__in=contacts)
        clients = clients.filter(match)
    return clients


def client_detail(*, client_id) -> Client:
    """A client with its contacts (access checked by the caller)."""
    return Client.objects.prefetch_related("contacts").get(pk=client_id)


def client_lead(*, client: Client, lead_id) -> Lead | None:
    return Lead.objects.filter(client=client, pk=lead_id).first()


def contact_for(*, client: Client, contact_id) -> ClientContact:
    return _get(
        ClientContact.objects.filter(client=client), contact_id, RealEstateError.CONTACT_NOT_FOUND
    )


# --- Pipeline and automation -----------------------------------------------------------------


def stage_for(*, user, stage_id, action: str = SETTINGS_MANAGE) -> PipelineStage:
    stage = _get(
        PipelineStage.objects.select_related("organization"),
        stage_id,
        RealEstateError.STAGE_NOT_FOUND,
    )
    return _checked(user, stage, action, RealEstateError.STAGE_NOT_FOUND)


def automation_for(*, organization: Organization) -> AgencyAutomation:
    """The agency's automation settings (the defaults, unsaved, without a row)."""
    return AgencyAutomation.objects.filter(organization=organization).first() or (
        AgencyAutomation(organization=organization)
    )


# --- Leads -----------------------------------------------------------------------------------


def _lead_queryset() -> QuerySet[Lead]:
    return Lead.objects.select_related("organization", "client", "stage", "agent", "property")


def lead_detail(*, lead_id) -> Lead:
    """A lead as the API shows it (access checked by the caller)."""
    return _lead_queryset().get(pk=lead_id)


def lead_for(*, user, lead_id, action: str = CRM_VIEW) -> Lead:
    """A lead ``user`` may work: a manager's any lead of the agency, an agent's own or an
    unassigned one (403 for another agent's)."""
    lead = _get(_lead_queryset(), lead_id, RealEstateError.LEAD_NOT_FOUND)
    _checked(user, lead, action, RealEstateError.LEAD_NOT_FOUND)
    if not lead.may_manage and lead.agent_id not in (None, user.pk):
        raise Forbidden()
    return lead


def leads_list(
    *,
    user,
    organization: Organization,
    may_manage: bool,
    stage=None,
    agent=None,
    source: str = "",
    client=None,
    unassigned: bool | None = None,
) -> QuerySet[Lead]:
    leads = _lead_queryset().filter(organization=organization)
    if not may_manage:
        leads = leads.filter(Q(agent=user) | Q(agent__isnull=True))
    if stage is not None:
        leads = leads.filter(stage_id=stage)
    if agent is not None:
        leads = leads.filter(agent_id=agent)
    if unassigned is not None:
        leads = leads.filter(agent__isnull=unassigned)
    if source:
        leads = leads.filter(source=source)
    if client is not None:
        leads = leads.filter(client_id=client)
    return leads


def lead_stage_changes(*, lead: Lead) -> QuerySet[LeadStageChange]:
    return LeadStageChange.objects.filter(lead=lead).select_related("actor")


def lead_link_target(user, lead_id) -> Lead:
    """The lead of a link (``/o/realestate.lead/<id>/``), if ``user`` may work it."""
    return lead_for(user=user, lead_id=lead_id)


def lead_link_rows(lead: Lead) -> list[tuple]:
    from django.utils.translation import gettext as _

    return [
        (_("Client"), lead.client.name),
        (_("Source"), lead.get_source_display()),
        (_("Stage"), lead.stage.name if lead.stage else ""),
        (_("Score"), str(lead.score)),
    ]


# --- Interactions and tasks ------------------------------------------------------------------


def interactions_list(*, client: Client | None = None, lead: Lead | None = None):
    interactions = Interaction.objects.select_related("author")
    if lead is not None:
        return interactions.filter(lead=lead)
    return interactions.filter(client=client)


def _task_queryset() -> QuerySet[CrmTask]:
    return CrmTask.objects.select_related("organization", "assignee", "lead", "client")


def task_for(*, user, task_id, action: str = CRM_VIEW) -> CrmTask:
    """A task ``user`` may see: a manager's any task of the agency; an agent's own
    (assigned to them or created by them; 403 otherwise)."""
    task = _get(_task_queryset(), task_id, RealEstateError.TASK_NOT_FOUND)
    _checked(user, task, action, RealEstateError.TASK_NOT_FOUND)
    if not task.may_manage and user.pk not in (task.assignee_id, task.created_by_id):
        raise Forbidden()
    return task


def tasks_list(
    *,
    user,
    organization: Organization,
    may_manage: bool,
    done: bool | None = None,
    assignee=None,
    lead=None,
    client=None,
) -> QuerySet[CrmTask]:
    tasks = _task_queryset().filter(organization=organization)
    if not may_manage:
        tasks = tasks.filter(Q(assignee=user) | Q(created_by=user))
    if done is not None:
        tasks = tasks.filter(done=done)
    if assignee is not None:
        tasks = tasks.filter(assignee_id=assignee)
    if lead is not None:
        tasks = tasks.filter(lead_id=lead)
    if client is not None:
        tasks = tasks.filter(client_id=client)
    return tasks


def tasks_mine(*, user, done: bool | None = False) -> QuerySet[CrmTask]:
    """The tasks assigned to ``user`` in every agency where they still work the CRM."""
    from teranga.platform.organizations.models import Membership

    agencies = [
        membership.organization_id
        for membership in Membership.objects.filter(user=user).select_related("organization")
        if access.decide(user, membership.organization, CRM_VIEW, membership) == "allow"
    ]
    tasks = _task_queryset().filter(assignee=user, organization_id__in=agencies)
    if done is not None:
        tasks = tasks.filter(done=done)
    return tasks


# --- GDPR ------------------------------------------------------------------------------------


def crm_user_export(*, user) -> dict[str, Any]:
    """What agencies keep about ``user`` as a client linked to their account: the client
    records, their consent, and the interactions recorded with them (three queries)."""
    clients = list(
        Client.objects.filter(user=user).select_related("organization").order_by("created_at")
    )
    interactions = (
        Interaction.objects.filter(client__in=clients)
        .select_related("client__organization")
        .order_by("-occurred_at")
    )
    return {
        "clients": [
            {
                "id": str(c.pk),
                "agency": c.organization.name,
                "kind": c.kind,
                "name": c.name,
                "email": c.email,
                "phone": str(c.phone or ""),
                "consent_given_at": c.consent_given_at,
                "consent_withdrawn_at": c.consent_withdrawn_at,
                "consent_email": c.consent_email,
                "consent_sms": c.consent_sms,
                "consent_phone": c.consent_phone,
                "consent_whatsapp": c.consent_whatsapp,
                "consent_marketing": c.consent_marketing,
                "created_at": c.created_at,
            }
            for c in clients
        ],
        "interactions": [
            {
                "agency": i.client.organization.name,
                "kind": i.kind,
                "occurred_at": i.occurred_at,
                "summary": i.summary,
            }
            for i in interactions
        ],
    }
