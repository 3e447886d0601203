"""The audit log's periodic job: entries older than ``AUDIT_RETENTION_DAYS`` go, every
day at 03:17 UTC. Idempotent and safe on any number of workers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import audit_entries_purge


@db_periodic_task(crontab(minute="17", hour="3"), name="audit.entries_purge")
def audit_entries_purge_periodic() -> int:
    return audit_entries_purge()
