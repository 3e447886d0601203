"""The periodic jobs of analytics: the buffer is flushed every minute (what a stopped
process left in Redis; each process's flusher thread does it every 5 s), and the
visitor salt is rotated every day just after midnight UTC (the old one deleted)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import events_flush, salts_rotate


@db_periodic_task(crontab(minute="*"), name="analytics.events_flush")
def analytics_events_flush_periodic() -> int:
    return events_flush()


@db_periodic_task(crontab(minute="1", hour="0"), name="analytics.salts_rotate")
def analytics_salts_rotate_periodic() -> int:
    return salts_rotate()
