"""Background jobs of the scheduling engine."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def bookings_recheck_task(*, organization_id: str, branch_id: str | None = None) -> int:
    from .services import bookings_recheck

    return len(bookings_recheck(organization_id=organization_id, branch_id=branch_id))


@db_periodic_task(crontab(minute="*"), name="scheduling.holds_expire")
def holds_expire_periodic() -> int:
    from .services import holds_expire

    return holds_expire()
