"""Writes of the CRM's interactions and tasks, and the tasks' reminders.

**Tasks** are assigned to an agent of the agency: agents create tasks for themselves,
managers for anyone of the agency (403 otherwise; 400 ``assignee_not_member`` for someone
who is not an agent of it). A task is linked to a lead or a client of the agency.

**Reminders**: the periodic job ``realestate.task_reminders`` (every five minutes) tells
the assignee of each open task whose ``remind_at`` has come (``realestate.task_reminder``).
Never twice: a conditional update claims the task (``reminder_sent_at`` from null to now)
in the transaction that records the notification, whose idempotency key names the task
and its reminder time; a second run, or a concurrent one, finds it claimed. Changing
``remind_at`` re-arms the reminder. A reminder more than a week late (the scheduler was
down) is not sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from teranga.core.errors import Forbidden
from teranga.core.links import object_link
from teranga.platform.notifications.services import notification_send
from teranga.platform.organizations.models import Organization

from ..crm_notices import LEAD_LINK, TASK_REMINDER
from ..errors import RealEstateError
from ..models import Client, CrmTask, Interaction, Lead
from .crm import UNSET, agent_check, crm_may_manage, leads_rescore

#: Tasks reminded per run; the rest wait for the next run.
REMINDER_BATCH = 200


# --- Interactions ----------------------------------------------------------------------------


@transaction.atomic
def interaction_create(
    *,
    client: Client,
    actor,
    kind: str,
    summary: str,
    occurred_at: datetime | None = None,
    lead: Lead | None = None,
) -> Interaction:
    """An interaction with ``client`` (and ``lead``, one of its leads: checked by the
    caller), at ``occurred_at`` (default now); the client's leads are re-scored."""
    interaction = Interaction.objects.create(
        organization_id=client.organization_id,
        client=client,
        lead=lead,
        kind=kind,
        summary=summary.strip(),
        occurred_at=occurred_at or timezone.now(),
        author=actor,
    )
    leads_rescore(client=client)
    return interaction


# --- Tasks -----------------------------------------------------------------------------------


def _assignee(organization: Organization, actor, assignee_id):
    if assignee_id is UNSET:
        return actor
    if assignee_id != actor.pk and not crm_may_manage(actor, organization):
        raise Forbidden()
    return agent_check(
        organization, assignee_id, field="assignee", code=RealEstateError.ASSIGNEE_NOT_MEMBER
    )


@transaction.atomic
def task_create(
    *,
    organization: Organization,
    actor,
    title: str,
    due_at: datetime,
    notes: str = "",
    remind_at: datetime | None = None,
    assignee_id=UNSET,
    lead: Lead | None = None,
    client: Client | None = None,
) -> CrmTask:
    """A task on ``lead`` or ``client`` (of the agency: checked by the caller); on a lead
    it is also on the lead's client."""
    if lead is not None:
        client = lead.client
    return CrmTask.objects.create(
        organization=organization,
        title=title.strip(),
        notes=(notes or "").strip(),
        due_at=due_at,
        remind_at=remind_at,
        assignee=_assignee(organization, actor, assignee_id),
        created_by=actor,
        lead=lead,
        client=client,
    )


TASK_FIELDS = {"title", "notes", "due_at", "remind_at", "done"}


@transaction.atomic
def task_update(*, task: CrmTask, actor, assignee_id=UNSET, **fields) -> CrmTask:
    """Change ``fields``; a new ``remind_at`` re-arms the reminder; ``done`` false
    reopens the task. Reassigning follows the creation's rules."""
    task = (
        CrmTask.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=task.pk)
    )
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    if assignee_id is not UNSET:
        task.assignee = _assignee(task.organization, actor, assignee_id)
    if "remind_at" in fields and fields["remind_at"] != task.remind_at:
        task.reminder_sent_at = None
    if "done" in fields:
        done = fields.pop("done")
        if done and not task.done:
            task.done_at = timezone.now()
        elif not done:
            task.done_at = None
        task.done = done
    for name, value in fields.items():
        setattr(task, name, value.strip() if name in ("title", "notes") else value)
    task.save()
    return task


@transaction.atomic
def task_complete(*, task: CrmTask) -> CrmTask:
    """Mark ``task`` done (once: completing a done task changes nothing)."""
    now = timezone.now()
    CrmTask.objects.filter(pk=task.pk, done=False).update(done=True, done_at=now, updated_at=now)
    task.refresh_from_db()
    return task


@transaction.atomic
def task_delete(*, task: CrmTask) -> None:
    task.delete()


# --- Reminders -------------------------------------------------------------------------------


def _remind(task: CrmTask, now: datetime) -> bool:
    with transaction.atomic():
        claimed = CrmTask.objects.filter(
            pk=task.pk, reminder_sent_at__isnull=True, done=False, remind_at=task.remind_at
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        organization = task.organization
        notification_send(
            recipient=task.assignee,
            kind=TASK_REMINDER,
            context={
                "task": str(task.pk),
                "title": task.title,
                "due_at": task.due_at.isoformat(),
                "time_zone": organization.time_zone,
                "organization": organization.name,
            },
            link=object_link(LEAD_LINK, task.lead_id) if task.lead_id else "",
            idempotency_key=(f"realestate.task:{task.pk}:reminder:{task.remind_at.isoformat()}"),
        )
        return True


def task_reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders that are due; returns how many were sent."""
    now = now or timezone.now()
    due = (
        CrmTask.objects.filter(
            reminder_sent_at__isnull=True,
            done=False,
            remind_at__lte=now,
            remind_at__gt=now - timedelta(days=7),
            assignee__isnull=False,
            assignee__is_active=True,
        )
        .select_related("organization", "assignee")
        .order_by("remind_at")[:REMINDER_BATCH]
    )
    return sum(_remind(task, now) for task in due)


def task_reminders_periodic() -> int:
    """The periodic job (every five minutes)."""
    return task_reminders_send()
