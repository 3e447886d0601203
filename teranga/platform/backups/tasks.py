"""The periodic backup: ``manage.py backup`` run by the task workers at the times of
``BACKUP_CRON`` (a 5-field crontab, read in UTC like every schedule of huey here).

With ``BACKUP_CRON`` empty (the default) the job is not registered at all: no periodic
task appears, nothing runs or logs. The scheduler (exactly one) queues it; a worker runs
it. Where workers run on several machines, use an ``s3://`` target (or a folder they
share), since a worker writes the archive where it runs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import backup_create

TASK_NAME = "backups.backup"
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def backup_schedule(expression: str):
    """huey's crontab for a 5-field crontab expression (minute hour day month weekday)."""
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        raise ImproperlyConfigured(
            f"BACKUP_CRON {expression!r}: 5 fields are expected "
            "(minute hour day-of-month month day-of-week), e.g. '15 2 * * *'"
        )
    try:
        return crontab(**dict(zip(CRON_FIELDS, fields, strict=True)), strict=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"BACKUP_CRON {expression!r}: {error}")


def backup_periodic() -> str:
    """Make a backup (and prune the old ones); returns its name."""
    return backup_create().name


if settings.BACKUP_CRON:
    backup_periodic_task = db_periodic_task(backup_schedule(settings.BACKUP_CRON), name=TASK_NAME)(
        backup_periodic
    )
