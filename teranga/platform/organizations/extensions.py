"""The organisations app's extension points.

* :data:`actions` — named permission actions and their rules (``register_action``);
  products declare theirs in their contract (``Product.actions``);
* :data:`availability_changed` — handlers run after commit whenever opening hours or
  closures of an organisation change, called as ``handler(organization_id=…,
  branch_id=…)`` (``branch_id`` is None for an organisation-wide change); the scheduling
  engine registers one to re-check the bookings those hours no longer cover;
* :data:`demo_loaders` — demo data, loaded by ``seed_demo`` after the organisations:
  each loader is called as ``loader(password=…)`` inside the same transaction, must be
  idempotent, and returns extra logins as (email, role, organisation) tuples;
* :data:`invitation_senders` — what sends an invitation's email, called as
  ``sender(invitation=…, language=…)`` inside the transaction that creates the
  invitation, so that what it records commits or rolls back with it (the notifications
  outbox registers one: organisations sit below notifications and cannot call it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from teranga.core.registry import Registry

from .access import Rule, actions, register_action
from .models import Role

availability_changed: Registry[Callable[..., None]] = Registry("availability change handler")
demo_loaders: Registry[Callable[..., list[tuple[str, str, str]]]] = Registry("demo loader")
invitation_senders: Registry[Callable[..., None]] = Registry("invitation sender")


def announce_availability_changed(*, organization_id, branch_id=None) -> None:
    """Call every registered handler once the current transaction commits."""

    def run() -> None:
        for handler in availability_changed.values():
            handler(organization_id=organization_id, branch_id=branch_id)

    transaction.on_commit(run)


__all__ = [
    "Role",
    "Rule",
    "actions",
    "announce_availability_changed",
    "availability_changed",
    "demo_loaders",
    "invitation_senders",
    "register_action",
]
