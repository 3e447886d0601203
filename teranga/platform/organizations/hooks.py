"""What other platform apps may hook into without organisations importing them.

``availability_changed`` handlers run after commit whenever opening hours or closures of
an organisation change; the scheduling engine registers one to re-check the bookings
those hours no longer cover. A handler is called as ``handler(organization_id=…,
branch_id=…)`` (``branch_id`` is None for an organisation-wide change).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from teranga.core.registry import Registry

availability_changed: Registry[Callable[..., None]] = Registry("availability change handler")


def announce_availability_changed(*, organization_id, branch_id=None) -> None:
    """Call every registered handler once the current transaction commits."""

    def run() -> None:
        for name in availability_changed:
            availability_changed.get(name)(organization_id=organization_id, branch_id=branch_id)

    transaction.on_commit(run)


#: Demo data of the products, loaded by ``seed_demo`` after the organisations: each
#: loader is called as ``loader(password=…)`` inside the same transaction, must be
#: idempotent, and returns extra logins as (email, role, organisation) tuples.
demo_loaders: Registry[Callable[..., list[tuple[str, str, str]]]] = Registry("demo loader")
