"""Reads of appointments: the slot policy and free slots of a service, my appointments,
an organisation's, and one appointment for whoever may see it.

A service's appointments at a branch come from that branch's active queue of type
``appointment`` for the service, through the queue's ``appointment_resource`` (a
scheduling resource); the slot policy comes from the service's appointment fields and
the offering key is ``smartqueue.service:<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, membership_of
from teranga.platform.organizations.models import VerificationStatus
from teranga.platform.scheduling.availability import SlotPolicy, free_slots, local_to_utc, zone
from teranga.products.smartqueue.errors import SmartQueueError

from ..access import TICKETS_VIEW
from ..models import Appointment, AppointmentStatus, Queue, QueueKind, QueueService


def offering_key(service: QueueService) -> str:
    return f"smartqueue.service:{service.pk}"


def slot_policy(service: QueueService) -> SlotPolicy:
    return SlotPolicy(
        duration=timedelta(minutes=service.appointment_minutes),
        min_notice=timedelta(minutes=service.appointment_min_notice_minutes),
        max_advance=timedelta(days=service.appointment_max_advance_days),
        capacity=service.appointment_capacity,
    )


def bookable_service(service_id) -> QueueService:
    """An active service of a verified organisation (404 ``service_not_found``)."""
    service = (
        QueueService.objects.select_related("organization")
        .filter(
            pk=parse_uuid(service_id),
            is_active=True,
            organization__verification_status=VerificationStatus.VERIFIED,
        )
        .first()
        if parse_uuid(service_id)
        else None
    )
    if service is None:
        raise NotFound(_("No such service."), code=SmartQueueError.SERVICE_NOT_FOUND)
    return service


def appointment_queues(service: QueueService, *, branch_id=None) -> list[Queue]:
    """The service's appointment queues (with a resource), one per branch."""
    queryset = Queue.objects.filter(
        service=service,
        kind=QueueKind.APPOINTMENT,
        is_active=True,
        appointment_resource__isnull=False,
        appointment_resource__is_active=True,
    ).select_related("branch", "appointment_resource__organization", "organization")
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    seen: dict = {}
    for queue in queryset.order_by("branch__name", "prefix"):
        seen.setdefault(queue.branch_id, queue)
    return list(seen.values())


def appointment_queue(service: QueueService, *, branch_id) -> Queue:
    queues = appointment_queues(service, branch_id=parse_uuid(branch_id))
    if not queues:
        raise NotFound(
            _("This service takes no appointments at this branch."),
            code=SmartQueueError.APPOINTMENT_QUEUE_NOT_FOUND,
        )
    return queues[0]


@dataclass(frozen=True)
class BranchSlot:
    branch: object
    queue: Queue
    starts_at: datetime
    ends_at: datetime
    remaining: int


def day_range(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """Local ``day`` of ``time_zone`` as a UTC range [start, next day's start)."""
    tz = zone(time_zone)
    start = local_to_utc(datetime.combine(day, time(0)), tz)
    end = local_to_utc(datetime.combine(day + timedelta(days=1), time(0)), tz)
    return start, end


def available_slots(*, service: QueueService, day: date, branch_id=None) -> list[BranchSlot]:
    """Free appointment slots of ``service`` on the organisation's local ``day``, at
    ``branch_id`` or at each branch with an appointment queue (by branch, then time)."""
    range_from, range_to = day_range(day, service.organization.time_zone)
    policy = slot_policy(service)
    result: list[BranchSlot] = []
    now = timezone.now()
    for queue in appointment_queues(service, branch_id=branch_id):
        for slot in free_slots(
            queue.appointment_resource,
            policy,
            offering=offering_key(service),
            range_from=range_from,
            range_to=range_to,
            now=now,
        ):
            result.append(
                BranchSlot(queue.branch, queue, slot.starts_at, slot.ends_at, slot.remaining)
            )
    return result


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "service", "branch", "organization", "queue", "ticket", "user", "booking"
    ).order_by("starts_at", "created_at")


def appointments_filtered(
    queryset: QuerySet, *, statuses=(), upcoming: bool | None = None, branch_id=None
) -> QuerySet:
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    now = timezone.now()
    if upcoming is True:
        queryset = queryset.filter(starts_at__gte=now)
    elif upcoming is False:
        queryset = queryset.filter(starts_at__lt=now)
    if branch_id is not None:
        queryset = queryset.filter(branch_id=branch_id)
    return _with_relations(queryset)


def appointments_of_user(*, user, **filters) -> QuerySet:
    return appointments_filtered(Appointment.objects.filter(user=user), **filters)


def appointments_of_organization(*, organization, **filters) -> QuerySet:
    return appointments_filtered(Appointment.objects.filter(organization=organization), **filters)


def appointment_visible(*, user, appointment_id) -> Appointment:
    """The appointment, for its client or the organisation's agents and above (and
    staff); 404 ``appointment_not_found`` for anyone else, 403 for a member below."""
    key = parse_uuid(appointment_id)
    appointment = _with_relations(Appointment.objects.filter(pk=key)).first() if key else None
    if appointment is None:
        raise NotFound(_("No such appointment."), code=SmartQueueError.APPOINTMENT_NOT_FOUND)
    if appointment.user_id == getattr(user, "pk", None):
        return appointment
    membership = membership_of(user, appointment.organization_id)
    if membership is None and not getattr(user, "is_staff", False):
        raise NotFound(_("No such appointment."), code=SmartQueueError.APPOINTMENT_NOT_FOUND)
    ensure(user, appointment.organization, TICKETS_VIEW, membership)
    return appointment


LIVE_STATUSES = (AppointmentStatus.PENDING_PAYMENT, AppointmentStatus.BOOKED)
