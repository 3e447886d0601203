"""Background work of calendar sync: each sync request after its commit, and the periodic
jobs (every minute: due retries; every 15 minutes: the reconcile of every connection;
nightly: a full resync; hourly: push channels renewed before they expire)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import (
    connections_reconcile_record,
    sync_request_process,
    sync_requests_due,
    watches_renew,
)


@db_periodic_task(crontab(minute="*"), name="calendars.sync_requests_retry")
def sync_requests_retry_periodic() -> int:
    """Requests due after a backoff, or whose hand-over to the workers was lost."""
    due = sync_requests_due()
    for request_id in due:
        sync_request_process(request_id=request_id)
    return len(due)


@db_periodic_task(crontab(minute="*/15"), name="calendars.reconcile")
def connections_reconcile_periodic() -> int:
    """Push and pull every live connection (what a lost notification missed)."""
    return connections_reconcile_record()


@db_periodic_task(crontab(minute="40", hour="3"), name="calendars.resync_full")
def connections_resync_full_periodic() -> int:
    """Nightly: read every calendar again in full (cursors forgotten)."""
    return connections_reconcile_record(full=True)


@db_periodic_task(crontab(minute="7"), name="calendars.watches_renew")
def watches_renew_periodic() -> int:
    return watches_renew()
