"""Background jobs of the scheduling engine."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def bookings_recheck_task(*, organization_id: str, branch_id: str | None = None) -> int:
    from .services import bookings_recheck

    return len(bookings_recheck(organization_id=organization_id, branch_id=branch_id))


def bookings_recheck_after_change(*, organization_id, branch_id=None) -> None:
    """``availability_changed`` handler: re-check the bookings in the background."""
    bookings_recheck_task.enqueue(
        organization_id=str(organization_id), branch_id=str(branch_id) if branch_id else None
    )


@db_periodic_task(crontab(minute="*"), name="scheduling.holds_expire")
def holds_expire_periodic() -> int:
    from .services import holds_expire

    return holds_expire()


@db_periodic_task(crontab(minute="*"), name="scheduling.reminders_send")
def reminders_send_periodic() -> int:
    """The 24 h and 1 h reminders that are due (idempotent: see ``reminders``)."""
    from .reminders import reminders_send

    return reminders_send()
