"""Reads of the catalogue: who sees which services, queues, counters and kiosks, and
the waiting figures of many queues at once.

Audience: an organisation's agents and above (and platform staff) — ``QUEUE_VIEW`` —
see everything of it, inactive rows included; anyone else (anonymous too) sees the
active services and queues of a **verified** organisation, with public fields only. An
object of an organisation the caller may not see answers 404; a member below the role
403 (``organizations.access``).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import can, ensure, get_organization_for
from teranga.platform.organizations.models import Organization
from teranga.products.smartqueue.errors import SmartQueueError

from ..access import QUEUE_VIEW
from ..models import AgentSession, Counter, Kiosk, Queue, QueueService, Ticket, TicketStatus
from .estimates import queue_waits  # noqa: F401  (the views' waits of a page of queues)


def organization_for(*, user, organization_id, action: str) -> Organization:
    return get_organization_for(user, organization_id, action)


def audience(*, user, organization: Organization) -> bool:
    """True when ``user`` sees the organisation's catalogue as its staff, False for the
    public view (verified organisations only); raises 404/403 otherwise."""
    if can(user, organization, QUEUE_VIEW):
        return True
    if organization.is_verified:
        return False
    ensure(user, organization, QUEUE_VIEW)
    return True  # pragma: no cover - ensure raised


def catalog_organization(*, user, organization_id) -> tuple[Organization, bool]:
    key = parse_uuid(organization_id)
    organization = Organization.objects.filter(pk=key).first() if key else None
    if organization is None:
        raise NotFound(code=SmartQueueError.ORGANIZATION_NOT_FOUND)
    return organization, audience(user=user, organization=organization)


def owned(queryset, *, user, object_id, action: str | None, code: str, public=None):
    """The object of ``queryset`` if ``user`` may do ``action`` on its organisation
    (``action=None``: the catalogue audience; returns ``(object, staff)``)."""
    key = parse_uuid(object_id)
    found = queryset.select_related("organization").filter(pk=key).first() if key else None
    if found is None:
        raise NotFound(code=code)
    if action is not None:
        try:
            ensure(user, found.organization, action)
        except NotFound:  # another organisation's object: say so in its own words
            raise NotFound(code=code) from None
        return found
    staff = audience(user=user, organization=found.organization)
    if not staff and not public(found):
        raise NotFound(code=code)
    return found, staff


# --- Services --------------------------------------------------------------------------


def _active_queues(staff: bool):
    queues = Queue.objects.filter(is_active=True).select_related("branch")
    if not staff:
        queues = queues.filter(branch__is_active=True)
    return Prefetch("queues", queryset=queues.order_by("branch__name", "prefix"))


def services_list(*, organization: Organization, staff: bool, category: str | None = None):
    services = QueueService.objects.filter(organization=organization)
    if not staff:
        services = services.filter(is_active=True)
    if category:
        services = services.filter(category=category)
    return services.prefetch_related("hours", _active_queues(staff)).order_by("name", "pk")


def service_for(*, user, service_id, action: str) -> QueueService:
    return owned(
        QueueService.objects.all(),
        user=user,
        object_id=service_id,
        action=action,
        code=SmartQueueError.SERVICE_NOT_FOUND,
    )


def service_visible(*, user, service_id) -> tuple[QueueService, bool]:
    service, staff = owned(
        QueueService.objects.all(),
        user=user,
        object_id=service_id,
        action=None,
        code=SmartQueueError.SERVICE_NOT_FOUND,
        public=lambda s: s.is_active,
    )
    refreshed = services_list(organization=service.organization, staff=staff).get(pk=service.pk)
    return refreshed, staff


# --- Queues ----------------------------------------------------------------------------


def _with_waiting(queues):
    return queues.select_related("organization", "branch", "service").annotate(
        waiting_count=Count(
            "tickets",
            filter=Q(tickets__status=TicketStatus.WAITING, tickets__parked_at__isnull=True),
        )
    )


def queues_list(
    *, organization: Organization, staff: bool, branch_id=None, service_id=None, kind=None
):
    queues = Queue.objects.filter(organization=organization, is_active=True)
    if not staff:
        queues = queues.filter(service__is_active=True, branch__is_active=True)
    if branch_id:
        queues = queues.filter(branch_id=branch_id)
    if service_id:
        queues = queues.filter(service_id=service_id)
    if kind:
        queues = queues.filter(kind=kind)
    return _with_waiting(queues).order_by("branch__name", "prefix", "pk")


def queue_for(*, user, queue_id, action: str) -> Queue:
    return owned(
        Queue.objects.filter(is_active=True),
        user=user,
        object_id=queue_id,
        action=action,
        code=SmartQueueError.QUEUE_NOT_FOUND,
    )


def queue_visible(*, user, queue_id) -> tuple[Queue, bool]:
    queue, staff = owned(
        _with_waiting(Queue.objects.filter(is_active=True)),
        user=user,
        object_id=queue_id,
        action=None,
        code=SmartQueueError.QUEUE_NOT_FOUND,
        public=lambda q: q.service.is_active and q.branch.is_active,
    )
    return queue, staff


# --- Counters and sessions -------------------------------------------------------------


def _open_sessions():
    return Prefetch(
        "sessions",
        queryset=AgentSession.objects.filter(ended_at__isnull=True).select_related("agent"),
        to_attr="open_sessions",
    )


def counters_list(*, organization: Organization, branch_id=None, include_inactive=False):
    counters = Counter.objects.filter(organization=organization)
    if not include_inactive:
        counters = counters.filter(is_active=True)
    if branch_id:
        counters = counters.filter(branch_id=branch_id)
    return (
        counters.select_related("branch")
        .prefetch_related(
            Prefetch(
                "queues", queryset=Queue.objects.filter(is_active=True).select_related("branch")
            ),
            _open_sessions(),
        )
        .order_by("branch__name", "name", "pk")
    )


def counter_for(*, user, counter_id, action: str) -> Counter:
    counter = owned(
        Counter.objects.filter(is_active=True),
        user=user,
        object_id=counter_id,
        action=action,
        code=SmartQueueError.COUNTER_NOT_FOUND,
    )
    return counters_list(organization=counter.organization).get(pk=counter.pk)


def session_of(*, user) -> AgentSession | None:
    """The caller's open agent session (with its counter), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        AgentSession.objects.filter(agent=user, ended_at__isnull=True)
        .select_related("counter", "counter__branch", "counter__organization")
        .prefetch_related(
            Prefetch(
                "counter__queues",
                queryset=Queue.objects.filter(is_active=True).select_related("branch"),
            ),
            Prefetch(
                "counter__sessions",
                queryset=AgentSession.objects.filter(ended_at__isnull=True).select_related("agent"),
                to_attr="open_sessions",
            ),
        )
        .first()
    )


# --- Kiosks ----------------------------------------------------------------------------


def kiosks_list(*, organization: Organization, branch_id=None):
    kiosks = Kiosk.objects.filter(organization=organization).select_related("branch")
    if branch_id:
        kiosks = kiosks.filter(branch_id=branch_id)
    return kiosks.order_by("-created_at", "pk")


def kiosk_for(*, user, kiosk_id, action: str) -> Kiosk:
    return owned(
        Kiosk.objects.all(),
        user=user,
        object_id=kiosk_id,
        action=action,
        code=SmartQueueError.KIOSK_NOT_FOUND,
    )


def kiosk_queues(*, kiosk: Kiosk):
    """The open and closed active queues of the kiosk's branch (active services)."""
    queues = Queue.objects.filter(
        branch_id=kiosk.branch_id, is_active=True, service__is_active=True
    )
    return _with_waiting(queues).order_by("prefix", "pk")


def kiosk_ticket(*, kiosk: Kiosk, ticket_id) -> Ticket:
    key = parse_uuid(ticket_id)
    ticket = (
        Ticket.objects.select_related("organization", "branch", "queue", "service")
        .filter(pk=key, branch_id=kiosk.branch_id)
        .first()
        if key
        else None
    )
    if ticket is None:
        raise NotFound(_("No such ticket."), code=SmartQueueError.TICKET_NOT_FOUND)
    return ticket
