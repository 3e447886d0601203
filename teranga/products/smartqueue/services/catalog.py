"""Writes of the catalogue: services and their weekly hours, queues (opening and closing
by hand or from their hours), counters, with the plan's limits.

Plan limits (``payments`` subscriptions): a new active counter counts against
``counters``; a queue at a branch that has no active queue yet counts against
``branches`` (a branch "uses" SmartQueue once it has a queue). The organisation row is
locked while checking, so two concurrent creations cannot both take the last place.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed, refuse_unknown_fields
from teranga.platform.organizations.models import Branch, Closure, OpeningHours, Organization
from teranga.platform.payments.services.subscriptions import subscription_limit_check
from teranga.platform.scheduling.availability import public_holidays
from teranga.platform.scheduling.models import Resource, ResourceKind
from teranga.platform.scheduling.services import resource_create, rules_create
from teranga.products.smartqueue.errors import SmartQueueError

from .. import effects
from ..models import (
    AgentSession,
    Appointment,
    Counter,
    Queue,
    QueueKind,
    QueueService,
    ServiceHours,
    Ticket,
    TicketClass,
    TicketOrder,
    TicketStatus,
)
from .tickets import tickets_expire

SERVICE_FIELDS = {
    "name",
    "description",
    "category",
    "price_amount",
    "currency",
    "average_service_minutes",
    "sms_keyword",
    "appointment_minutes",
    "appointment_capacity",
    "appointment_min_notice_minutes",
    "appointment_max_advance_days",
    "checkin_opens_minutes",
    "checkin_closes_minutes",
    "is_active",
}
QUEUE_FIELDS = {
    "name",
    "kind",
    "prefix",
    "strategy",
    "weights",
    "max_size",
    "follows_hours",
    "keep_arrival_on_transfer",
    "no_show_timeout_seconds",
    "notify_ahead",
    "leave_now_margin_minutes",
    "appointment_resource",
}
COUNTER_FIELDS = {"name", "queues", "strategy", "weights", "is_active"}
MAX_HOURS_PER_WEEK = 21


def weights_errors(weights) -> list[str]:
    """Why ``weights`` is not a dict of ticket class -> 1..10 (empty when it is)."""
    if not isinstance(weights, dict):
        return [_("Give an object of class: weight.")]
    errors = []
    for key, value in weights.items():
        if key not in TicketClass.values:
            errors.append(_("Unknown class: %(name)s.") % {"name": key})
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            errors.append(_("The weight of %(name)s must be from 1 to 10.") % {"name": key})
    return errors


def _lock_organization(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


# --- Services --------------------------------------------------------------------------


def _clean_keyword(fields: dict[str, Any], exclude=None) -> None:
    if "sms_keyword" not in fields:
        return
    keyword = (fields["sms_keyword"] or "").strip().upper()
    fields["sms_keyword"] = keyword
    taken = QueueService.objects.filter(sms_keyword=keyword).exclude(pk=exclude)
    if keyword and taken.exists():
        raise Conflict(
            _("This SMS keyword is already used."),
            code=SmartQueueError.SMS_KEYWORD_TAKEN,
            fields={"sms_keyword": [_("This SMS keyword is already used.")]},
        )


def _save_service(service: QueueService) -> QueueService:
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError as exc:  # two services took the same keyword at once
        raise Conflict(
            _("This SMS keyword is already used."), code=SmartQueueError.SMS_KEYWORD_TAKEN
        ) from exc
    return service


@transaction.atomic
def service_create(*, organization: Organization, name: str, **fields: Any) -> QueueService:
    refuse_unknown_fields(fields, SERVICE_FIELDS)
    _clean_keyword(fields)
    return _save_service(QueueService(organization=organization, name=name, **fields))


def _service(organization: Organization, service_id, *, lock: bool = True) -> QueueService:
    queryset = QueueService.objects.filter(organization=organization, pk=service_id)
    service = (queryset.select_for_update() if lock else queryset).first()
    if service is None:
        raise NotFound(_("No such service."), code=SmartQueueError.SERVICE_NOT_FOUND)
    return service


@transaction.atomic
def service_update(*, organization: Organization, service_id, **fields: Any) -> QueueService:
    refuse_unknown_fields(fields, SERVICE_FIELDS | {"name"})
    service = _service(organization, service_id)
    _clean_keyword(fields, exclude=service.pk)
    for name, value in fields.items():
        setattr(service, name, value)
    return _save_service(service)


@transaction.atomic
def service_delete(*, organization: Organization, service_id) -> bool:
    """Delete a service nothing refers to; deactivate one with queues, tickets or
    appointments (its queues close). Returns True when deleted."""
    service = _service(organization, service_id)
    used = (
        Queue.objects.filter(service=service).exists()
        or Ticket.objects.filter(service=service).exists()
        or Appointment.objects.filter(service=service).exists()
    )
    if not used:
        service.delete()
        return True
    service.is_active = False
    service.save(update_fields=["is_active", "updated_at"])
    closing = list(Queue.objects.filter(service=service, is_open=True))
    Queue.objects.filter(service=service).update(is_open=False, updated_at=timezone.now())
    effects.queues_changed(closing, action="close")
    return False


def _hours_errors(hours: list[dict]) -> dict:
    errors: dict[str, Any] = {}
    for index, row in enumerate(hours):
        if row["opens_at"] >= row["closes_at"]:
            errors[str(index)] = {"closes_at": [_("Closing time must be after opening time.")]}
    if errors:
        return errors
    by_day: dict[int, list[tuple[time, time, int]]] = defaultdict(list)
    for index, row in enumerate(hours):
        by_day[row["weekday"]].append((row["opens_at"], row["closes_at"], index))
    for periods in by_day.values():
        periods.sort()
        for (_o1, c1, _i1), (o2, _c2, i2) in zip(periods, periods[1:], strict=False):
            if o2 < c1:
                errors[str(i2)] = {"opens_at": [_("These hours overlap others of the same day.")]}
    return errors


@transaction.atomic
def service_hours_set(
    *, organization: Organization, service_id, hours: list[dict]
) -> list[ServiceHours]:
    """Replace the service's week: ``[{weekday, opens_at, closes_at}, …]`` (an empty list
    clears it: its queues then follow their branch's opening hours)."""
    service = _service(organization, service_id)
    if len(hours) > MAX_HOURS_PER_WEEK:
        raise ValidationFailed(fields={"hours": [_("Too many periods.")]})
    errors = _hours_errors(hours)
    if errors:
        raise ValidationFailed(code=SmartQueueError.INVALID_HOURS, fields={"hours": errors})
    ServiceHours.objects.filter(service=service).delete()
    return ServiceHours.objects.bulk_create(
        [
            ServiceHours(
                service=service,
                weekday=row["weekday"],
                opens_at=row["opens_at"],
                closes_at=row["closes_at"],
            )
            for row in sorted(hours, key=lambda r: (r["weekday"], r["opens_at"]))
        ]
    )


# --- Queues ----------------------------------------------------------------------------


def _branch(organization: Organization, branch_id) -> Branch:
    branch = Branch.objects.filter(organization=organization, pk=branch_id, is_active=True).first()
    if branch is None:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_BRANCH,
            fields={"branch": [_("Choose an active branch of this organisation.")]},
        )
    return branch


def _prefix_taken(branch_id, prefix: str, exclude=None) -> Conflict | None:
    taken = Queue.objects.filter(branch_id=branch_id, prefix=prefix, is_active=True)
    if taken.exclude(pk=exclude).exists():
        message = _("Another queue of this branch uses this letter.")
        return Conflict(message, code=SmartQueueError.PREFIX_TAKEN, fields={"prefix": [message]})
    return None


def _save_queue(queue: Queue) -> Queue:
    try:
        with transaction.atomic():
            queue.save()
    except IntegrityError as exc:
        raise _prefix_taken(queue.branch_id, queue.prefix, queue.pk) or Conflict(
            _("Another queue of this branch uses this letter."), code=SmartQueueError.PREFIX_TAKEN
        ) from exc
    return queue


def _check_queue_fields(organization: Organization, branch: Branch, fields: dict) -> None:
    if "weights" in fields:
        errors = weights_errors(fields["weights"])
        if errors:
            raise ValidationFailed(code=SmartQueueError.INVALID_WEIGHTS, fields={"weights": errors})
    resource_id = fields.get("appointment_resource")
    if resource_id is not None and not isinstance(resource_id, Resource):
        resource = Resource.objects.filter(
            organization=organization, pk=resource_id, is_active=True
        ).first()
        if resource is None or (resource.branch_id not in (None, branch.pk)):
            raise ValidationFailed(
                code=SmartQueueError.INVALID_RESOURCE,
                fields={
                    "appointment_resource": [_("Choose a resource of this organisation's branch.")]
                },
            )
        fields["appointment_resource"] = resource


def _appointment_resource(organization: Organization, queue: Queue) -> Resource:
    """A resource of kind ``service`` at the queue's branch, available during the
    service's hours."""
    service, branch = queue.service, queue.branch
    resource = resource_create(
        organization=organization,
        name=f"{service.name} — {branch.name}"[:200],
        kind=ResourceKind.SERVICE,
        branch=branch,
    )
    rules = [
        {"weekday": h.weekday, "starts_at": h.opens_at, "ends_at": h.closes_at}
        for h in ServiceHours.objects.filter(service=service)
    ]
    if rules:
        rules_create(organization=organization, resource_id=resource.pk, rules=rules)
    return resource


def _branches_in_use(organization: Organization) -> int:
    return (
        Queue.objects.filter(organization=organization, is_active=True)
        .values("branch_id")
        .distinct()
        .count()
    )


@transaction.atomic
def queue_create(
    *, organization: Organization, branch_id, service_id, name: str, prefix: str, **fields: Any
) -> Queue:
    refuse_unknown_fields(fields, QUEUE_FIELDS)
    _lock_organization(organization)
    branch = _branch(organization, branch_id)
    service = QueueService.objects.filter(organization=organization, pk=service_id).first()
    if service is None or not service.is_active:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_SERVICE,
            fields={"service": [_("Choose an active service of this organisation.")]},
        )
    _check_queue_fields(organization, branch, fields)
    conflict = _prefix_taken(branch.pk, prefix)
    if conflict:
        raise conflict
    if not Queue.objects.filter(branch=branch, is_active=True).exists():
        subscription_limit_check(
            organization=organization, key="branches", current=_branches_in_use(organization)
        )
    queue = Queue(
        organization=organization, branch=branch, service=service, name=name, prefix=prefix
    )
    for key, value in fields.items():
        setattr(queue, key, value)
    if queue.kind == QueueKind.APPOINTMENT and queue.appointment_resource is None:
        queue.appointment_resource = _appointment_resource(organization, queue)
    return _save_queue(queue)


def _queue(organization: Organization, queue_id) -> Queue:
    queue = (
        Queue.objects.select_for_update(of=("self",))
        .select_related("organization", "branch", "service")
        .filter(organization=organization, pk=queue_id, is_active=True)
        .first()
    )
    if queue is None:
        raise NotFound(_("No such queue."), code=SmartQueueError.QUEUE_NOT_FOUND)
    return queue


@transaction.atomic
def queue_update(*, organization: Organization, queue_id, **fields: Any) -> Queue:
    refuse_unknown_fields(fields, QUEUE_FIELDS)
    queue = _queue(organization, queue_id)
    _check_queue_fields(organization, queue.branch, fields)
    if "prefix" in fields:
        conflict = _prefix_taken(queue.branch_id, fields["prefix"], exclude=queue.pk)
        if conflict:
            raise conflict
    for key, value in fields.items():
        setattr(queue, key, value)
    return _save_queue(queue)


@transaction.atomic
def queue_delete(*, organization: Organization, queue_id) -> bool:
    """Delete a queue that never had a ticket; otherwise close and deactivate it (its
    waiting tickets expire). Returns True when deleted."""
    queue = _queue(organization, queue_id)
    used = (
        Ticket.objects.filter(queue=queue).exists()
        or TicketOrder.objects.filter(queue=queue).exists()
        or Appointment.objects.filter(queue=queue).exists()
    )
    if not used:
        queue.delete()
        return True
    tickets_expire(queue_id=queue.pk)
    queue.is_active = queue.is_open = False
    queue.save(update_fields=["is_active", "is_open", "updated_at"])
    effects.queues_changed([queue], action="close")
    return False


@transaction.atomic
def queue_open(*, organization: Organization, queue_id) -> Queue:
    """Open by hand: the queue stops following its hours until told to again."""
    queue = _queue(organization, queue_id)
    if not queue.service.is_active:
        raise Conflict(
            _("This queue's service is inactive."), code=SmartQueueError.SERVICE_INACTIVE
        )
    queue.is_open, queue.follows_hours = True, False
    queue.save(update_fields=["is_open", "follows_hours", "updated_at"])
    effects.queues_changed([queue], action="open")
    return queue


@transaction.atomic
def queue_close(*, organization: Organization, queue_id, expire_waiting: bool = False) -> Queue:
    """Close by hand (no new tickets; those waiting are still served unless
    ``expire_waiting``). The queue stops following its hours."""
    queue = _queue(organization, queue_id)
    queue.is_open, queue.follows_hours = False, False
    queue.save(update_fields=["is_open", "follows_hours", "updated_at"])
    if expire_waiting:
        tickets_expire(queue_id=queue.pk)
    effects.queues_changed([queue], action="close")
    return queue


# --- Opening from hours ----------------------------------------------------------------


def _inside(moment: time, periods) -> bool:
    for opens, closes, break_start, break_end in periods:
        if opens <= moment < closes and not (
            break_start is not None and break_end is not None and break_start <= moment < break_end
        ):
            return True
    return False


def _closed(organization: Organization, branch_id, day, closures) -> bool:
    """A closure of the organisation or of the branch, or a public holiday."""
    if any(
        org == organization.pk and branch in (None, branch_id) and start <= day <= end
        for org, branch, start, end in closures
    ):
        return True
    return not organization.holidays_opt_out and bool(
        public_holidays(organization.country, day, day)
    )


def queues_follow_hours(now: datetime | None = None) -> int:
    """Open the active queues that follow their hours when the organisation's local time
    is inside their service's hours of the day (else the branch's opening hours, breaks
    excluded), close them otherwise — and on closures and public holidays — expiring the
    tickets still waiting at closing. Queues with no hours at all are left alone.
    Waiting tickets of past days expire too. Returns the number of changes (queues
    opened or closed, tickets expired). A handful of queries for all queues."""
    now = now or timezone.now()
    queues = list(
        Queue.objects.filter(is_active=True, follows_hours=True).select_related("organization")
    )
    service_ids = {q.service_id for q in queues}
    service_hours: dict = defaultdict(list)
    for row in ServiceHours.objects.filter(service_id__in=service_ids):
        service_hours[(row.service_id, row.weekday)].append(
            (row.opens_at, row.closes_at, None, None)
        )
    has_hours = set(
        ServiceHours.objects.filter(service_id__in=service_ids).values_list("service_id", flat=True)
    )
    inactive = set(
        QueueService.objects.filter(pk__in=service_ids, is_active=False).values_list(
            "pk", flat=True
        )
    )
    branch_hours: dict = defaultdict(list)
    for row in OpeningHours.objects.filter(branch_id__in={q.branch_id for q in queues}):
        branch_hours[(row.branch_id, row.weekday)].append(
            (row.opens_at, row.closes_at, row.break_start, row.break_end)
        )
    branches_with_hours = {branch_id for branch_id, _day in branch_hours}
    utc_day = now.date()
    closures = Closure.objects.filter(
        organization_id__in={q.organization_id for q in queues},
        starts_on__lte=utc_day + timedelta(days=1),
        ends_on__gte=utc_day - timedelta(days=1),
    ).values_list("organization_id", "branch_id", "starts_on", "ends_on")
    closures = list(closures)

    to_open, to_close = set(), set()
    for queue in queues:
        organization = queue.organization
        local = now.astimezone(ZoneInfo(organization.time_zone))
        day, moment = local.date(), local.time()
        if queue.service_id in inactive or _closed(organization, queue.branch_id, day, closures):
            should_open = False
        elif queue.service_id in has_hours:
            should_open = _inside(moment, service_hours[(queue.service_id, day.weekday())])
        elif queue.branch_id in branches_with_hours:
            should_open = _inside(moment, branch_hours[(queue.branch_id, day.weekday())])
        else:
            continue  # nothing to follow
        if should_open and not queue.is_open:
            to_open.add(queue.pk)
        elif not should_open and queue.is_open:
            to_close.add(queue.pk)
    changes = len(to_open) + len(to_close)
    if to_open:
        Queue.objects.filter(pk__in=to_open).update(is_open=True, updated_at=now)
        effects.queues_changed([q for q in queues if q.pk in to_open], action="open")
    if to_close:
        Queue.objects.filter(pk__in=to_close).update(is_open=False, updated_at=now)
        for queue_id in to_close:
            changes += tickets_expire(queue_id=queue_id, now=now)
        effects.queues_changed([q for q in queues if q.pk in to_close], action="close")
    stale = (
        Ticket.objects.filter(status=TicketStatus.WAITING, day__lt=utc_day + timedelta(days=1))
        .values("queue_id", "organization__time_zone")
        .annotate(first_day=Min("day"))
    )
    for row in stale:
        today = now.astimezone(ZoneInfo(row["organization__time_zone"])).date()
        if row["first_day"] < today:
            changes += tickets_expire(queue_id=row["queue_id"], before_day=today, now=now)
    return changes


# --- Counters --------------------------------------------------------------------------


def _counter_queues(branch_id, queue_ids) -> list[Queue]:
    queues = list(Queue.objects.filter(branch_id=branch_id, pk__in=queue_ids, is_active=True))
    if len(queues) != len(set(queue_ids)):
        raise ValidationFailed(
            code=SmartQueueError.INVALID_QUEUES,
            fields={"queues": [_("Choose active queues of the counter's branch.")]},
        )
    return queues


def _save_counter(counter: Counter) -> Counter:
    try:
        with transaction.atomic():
            counter.save()
    except IntegrityError as exc:
        message = _("Another counter of this branch has this name.")
        raise Conflict(
            message, code=SmartQueueError.COUNTER_NAME_TAKEN, fields={"name": [message]}
        ) from exc
    return counter


def _check_counter_fields(fields: dict) -> None:
    if "weights" in fields:
        errors = weights_errors(fields["weights"])
        if errors:
            raise ValidationFailed(code=SmartQueueError.INVALID_WEIGHTS, fields={"weights": errors})


@transaction.atomic
def counter_create(
    *, organization: Organization, branch_id, name: str, queues=(), **fields: Any
) -> Counter:
    refuse_unknown_fields(fields, COUNTER_FIELDS - {"queues", "is_active"})
    _check_counter_fields(fields)
    _lock_organization(organization)
    branch = _branch(organization, branch_id)
    chosen = _counter_queues(branch.pk, list(queues))
    subscription_limit_check(
        organization=organization,
        key="counters",
        current=Counter.objects.filter(organization=organization, is_active=True).count(),
    )
    counter = _save_counter(Counter(organization=organization, branch=branch, name=name, **fields))
    counter.queues.set(chosen)
    return counter


def _counter(organization: Organization, counter_id) -> Counter:
    counter = (
        Counter.objects.select_for_update(of=("self",))
        .filter(organization=organization, pk=counter_id, is_active=True)
        .first()
    )
    if counter is None:
        raise NotFound(_("No such counter."), code=SmartQueueError.COUNTER_NOT_FOUND)
    return counter


@transaction.atomic
def counter_update(*, organization: Organization, counter_id, **fields: Any) -> Counter:
    refuse_unknown_fields(fields, COUNTER_FIELDS - {"is_active"})
    _check_counter_fields(fields)
    counter = _counter(organization, counter_id)
    queues = fields.pop("queues", None)
    chosen = _counter_queues(counter.branch_id, list(queues)) if queues is not None else None
    for key, value in fields.items():
        setattr(counter, key, value)
    if "weights" in fields or "strategy" in fields:
        counter.rotation = {}
    _save_counter(counter)
    if chosen is not None:
        counter.queues.set(chosen)
    return counter


@transaction.atomic
def counter_delete(*, organization: Organization, counter_id) -> bool:
    """Delete a counter that never served; otherwise deactivate it. A staffed counter
    (an agent session open) is refused (409 ``counter_staffed``). True when deleted."""
    counter = _counter(organization, counter_id)
    if AgentSession.objects.filter(counter=counter, ended_at__isnull=True).exists():
        raise Conflict(
            _("An agent is at this counter: close the session first."),
            code=SmartQueueError.COUNTER_STAFFED,
        )
    used = (
        Ticket.objects.filter(Q(counter=counter)).exists()
        or AgentSession.objects.filter(counter=counter).exists()
    )
    if not used:
        counter.delete()
        return True
    counter.is_active = False
    counter.save(update_fields=["is_active", "updated_at"])
    return False
