"""The core's one periodic job: every registered kind of held order whose hold has run
out expires (``teranga.core.holds``), every minute. Idempotent and safe on any number of
workers."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .holds import holds_expire


@db_periodic_task(crontab(minute="*"), name="core.holds_expire")
def holds_expire_periodic() -> dict[str, int]:
    return holds_expire()
