"""SmartQueue's public catalogue in the HTTP cache (``teranga.core.public_cache``): the
scopes its answers depend on, and what bumps them (registered by ``product.py``).

* ``smartqueue.services:<organisation>``: its services, their hours and the active
  queues listed under each;
* ``smartqueue.queues:<organisation>``: its queues with their waiting figures (a ticket
  taken, called or served, a counter opened or closed changes them);
* ``smartqueue``: every organisation's, bumped when the hours job opened or closed
  queues (a ``QuerySet.update`` that sends no signal).

The detail pages name an object, not its organisation: :func:`service_scopes` and
:func:`queue_scopes` look it up (one query), or answer ``None`` for an unknown id.
"""

from __future__ import annotations

from teranga.core.public_cache import invalidate_on
from teranga.core.validators import parse_uuid

ALL = "smartqueue"


def services_scope(organization_id) -> str:
    return f"smartqueue.services:{organization_id}"


def queues_scope(organization_id) -> str:
    return f"smartqueue.queues:{organization_id}"


def _both(organization_id) -> list[str]:
    if organization_id is None:
        return [ALL]
    return [services_scope(organization_id), queues_scope(organization_id)]


def _organization_of(model, object_id):
    key = parse_uuid(object_id)
    if key is None:
        return None
    return model.objects.filter(pk=key).values_list("organization_id", flat=True).first()


def organization_services_scopes(organization_id) -> list[str] | None:
    """Of ``GET /services/?organization=…`` (None: not an id, the view answers 400)."""
    key = parse_uuid(organization_id)
    return [ALL, services_scope(key)] if key else None


def organization_queues_scopes(organization_id) -> list[str] | None:
    key = parse_uuid(organization_id)
    return [ALL, queues_scope(key)] if key else None


def service_scopes(service_id) -> list[str] | None:
    from .models import QueueService

    organization_id = _organization_of(QueueService, service_id)
    return [ALL, services_scope(organization_id)] if organization_id else None


def queue_scopes(queue_id) -> list[str] | None:
    from .models import Queue

    organization_id = _organization_of(Queue, queue_id)
    return [ALL, queues_scope(organization_id)] if organization_id else None


def hours_changed_scopes(service_id) -> list[str]:
    """What a new week of a service's hours bumps (a ``bulk_create``: no signal)."""
    from .models import QueueService

    return _both(
        QueueService.objects.filter(pk=service_id).values_list("organization_id", flat=True).first()
    )


def register() -> None:
    from teranga.platform.organizations.models import Branch, Organization

    from .models import AgentSession, Counter, Queue, QueueService, ServiceHours, Ticket

    invalidate_on(Organization, lambda organization: _both(organization.pk))
    invalidate_on(Branch, lambda branch: _both(branch.organization_id))
    invalidate_on(QueueService, lambda service: _both(service.organization_id))
    invalidate_on(ServiceHours, lambda hours: hours_changed_scopes(hours.service_id))
    invalidate_on(Queue, lambda queue: _both(queue.organization_id))
    invalidate_on(Counter, lambda counter: [queues_scope(counter.organization_id)], m2m=["queues"])
    invalidate_on(AgentSession, lambda session: [queues_scope(session.organization_id)])
    invalidate_on(Ticket, lambda ticket: [queues_scope(ticket.organization_id)])
