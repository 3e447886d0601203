"""One "order with a hold that expires": a row that is *pending* until ``hold_expires_at``,
and becomes *expired* (by its owner's rules) once that time has passed unpaid.

It is the same thing wherever it appears: a slot held while a deposit is paid, a paid
ticket's order, a cart, a property reservation. Each has its own statuses and history;
what they share lives here, once:

* :class:`HeldOrder`, the abstract model: ``hold_expires_at`` (index it with the status:
  ``models.Index(fields=["status", "hold_expires_at"], …)``; registering the kind checks
  it), :meth:`HeldOrder.hold_lapsed` and :func:`hold_until` to set it. A payable's
  ``Quote.expires_at`` is this very field, so a payment never outlives its hold.
* :class:`HeldOrderKind`, what an owner registers in :data:`held_orders` (products through
  the product contract, ``Product.held_orders``; the platform's own apps from their
  ``ready()``): the model, its pending status, the ``expire`` callback that moves one
  locked row out of pending (its own transition, event and release of what it held), and
  ``on_expired``, the side effects queued after commit.
* :func:`holds_expire_kind` and :func:`holds_expire`: due holds expire in batches, each
  batch one transaction with its rows locked (``SELECT … FOR UPDATE``), re-checked under
  the lock, so two runs (the periodic job on two workers, a write that expires its own
  scope first) never expire a row twice. One periodic job (``core.holds_expire``, every
  minute) expires every registered kind.

Why in core: the holds of the scheduling engine and those paid through payments must be
one primitive, and those two platform apps are siblings that never import each other; a
hold has no domain of its own (a time, a pending status, a callback), like the state
machine and the registry beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teranga.core.registry import Registry

logger = logging.getLogger(__name__)

#: Rows per transaction; a run takes at most ``BATCH_SIZE * MAX_BATCHES`` per kind.
BATCH_SIZE = 500
MAX_BATCHES = 20


def hold_until(now: datetime, minutes: float | timedelta) -> datetime:
    """When a hold taken at ``now`` for ``minutes`` (or a ``timedelta``) runs out."""
    span = minutes if isinstance(minutes, timedelta) else timedelta(minutes=minutes)
    if span <= timedelta(0):
        raise ValueError("a hold lasts a positive time")
    return now + span


class HeldOrder(models.Model):
    """The abstract "pending until ``hold_expires_at``" part of a model. ``None``: no
    hold (a row that waits for something else, or that is no longer held). The concrete
    model keeps its own ``status`` field and indexes ``(status, hold_expires_at)``."""

    hold_expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)

    class Meta:
        abstract = True

    def hold_lapsed(self, now: datetime, *, pending: str = "pending", status_field="status"):
        """Pending, with a hold that has run out (the periodic job may not have run yet:
        writes that depend on the hold check this, not only the status)."""
        return (
            getattr(self, status_field) == pending
            and self.hold_expires_at is not None
            and self.hold_expires_at <= now
        )


@dataclass(frozen=True, kw_only=True)
class HeldOrderKind:
    """A model whose rows are held orders, as its owner registers it.

    ``expire(order, *, now)`` runs inside the batch's transaction, on the row locked and
    re-checked (still pending, hold run out): it must move the row out of ``pending`` (that
    is what makes expiry happen once) and write anything that must not be lost (history,
    a release of stock). ``on_expired(ids)`` runs after that transaction commits, with the
    primary keys it expired: notifications, broadcasts, tasks."""

    model: type[models.Model]
    pending: str
    expire: Callable[..., Any]
    on_expired: Callable[[list[Any]], Any] | None = None
    status_field: str = "status"
    #: ``select_related`` for ``expire`` (no query per row for what it reads).
    related: Sequence[str] = field(default_factory=tuple)
    batch_size: int = BATCH_SIZE

    def check(self) -> None:
        """The model is a :class:`HeldOrder` whose due query has its index."""
        if not issubclass(self.model, HeldOrder):
            raise ImproperlyConfigured(f"{self.model.__name__} is not a HeldOrder")
        wanted = [self.status_field, "hold_expires_at"]
        if not any(list(index.fields[:2]) == wanted for index in self.model._meta.indexes):
            raise ImproperlyConfigured(
                f"{self.model.__name__} needs an index on {wanted} (the due-holds query)"
            )


#: Every kind of held order, by name (``"<app or product>.<kind>"``).
held_orders: Registry[HeldOrderKind] = Registry("held order kind")


def held_order_register(name: str, kind: HeldOrderKind, *, origin: str = "") -> HeldOrderKind:
    """Check ``kind`` and register it (from an ``AppConfig.ready()``)."""
    kind.check()
    held_orders.register(name, kind, origin=origin)
    return kind


def holds_due(kind: HeldOrderKind, *, now: datetime) -> QuerySet:
    """The rows of ``kind`` still pending whose hold has run out at ``now``."""
    return kind.model._default_manager.filter(
        **{kind.status_field: kind.pending, "hold_expires_at__lte": now}
    )


def holds_expire_kind(
    kind: HeldOrderKind,
    *,
    now: datetime | None = None,
    scope: Q | None = None,
    limit: int | None = None,
) -> int:
    """Expire up to ``limit`` (the kind's batch size) due rows of ``kind`` (within
    ``scope``) in one transaction, each locked and re-checked; returns how many expired.
    Inside a caller's transaction it joins it (the caller's lock order comes first)."""
    now = now or timezone.now()
    queryset = holds_due(kind, now=now)
    if scope is not None:
        queryset = queryset.filter(scope)
    if kind.related:
        queryset = queryset.select_related(*kind.related)
    expired: list[Any] = []
    with transaction.atomic():
        rows = queryset.select_for_update(of=("self",)).order_by("hold_expires_at", "pk")
        for order in rows[: limit or kind.batch_size]:
            if not order.hold_lapsed(now, pending=kind.pending, status_field=kind.status_field):
                continue  # another run got there first
            kind.expire(order, now=now)
            expired.append(order.pk)
        if expired and kind.on_expired is not None:
            on_expired = kind.on_expired
            transaction.on_commit(lambda: on_expired(expired))
    return len(expired)


def holds_expire(
    *,
    now: datetime | None = None,
    kinds: Iterable[str] | None = None,
    max_batches: int = MAX_BATCHES,
) -> dict[str, int]:
    """Expire the due holds of every registered kind (or of ``kinds``), batch after batch
    (one transaction each); idempotent. One kind failing does not stop the others.
    Returns how many expired, by kind."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for name in kinds if kinds is not None else held_orders.names():
        kind = held_orders.get(name)
        total = 0
        try:
            for _batch in range(max_batches):
                done = holds_expire_kind(kind, now=now)
                total += done
                if done < kind.batch_size:
                    break
        except Exception:
            logger.exception("held orders failed to expire", extra={"kind": name})
        counts[name] = total
    return counts
