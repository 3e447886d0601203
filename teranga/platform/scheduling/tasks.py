"""Background jobs of the scheduling engine. Lapsed holds are expired by the one
held-orders job, ``core.holds_expire`` (``services.bookings.BOOKING_HOLDS``)."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .reminders import reminders_send
from .services import bookings_recheck


@task()
def bookings_recheck_task(*, organization_id: str, branch_id: str | None = None) -> int:
    return len(bookings_recheck(organization_id=organization_id, branch_id=branch_id))


def bookings_recheck_after_change(*, organization_id, branch_id=None) -> None:
    """``availability_changed`` handler: re-check the bookings in the background."""
    bookings_recheck_task.enqueue(
        organization_id=str(organization_id), branch_id=str(branch_id) if branch_id else None
    )


@db_periodic_task(crontab(minute="*"), name="scheduling.reminders_send")
def reminders_send_periodic() -> int:
    """The 24 h and 1 h reminders that are due (idempotent: see ``reminders``)."""
    return reminders_send()
