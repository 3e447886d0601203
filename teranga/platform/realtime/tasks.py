"""Background tasks of the realtime module."""

from __future__ import annotations

from django_tasks import task

from teranga.platform.realtime.broadcast import broadcast


@task()
def deliver_broadcast(group: str, event: dict) -> int:
    """Broadcast ``event`` to ``group`` from a task worker; returns its sequence number.

    Enqueue with ``deliver_broadcast.enqueue(group=..., event=...)``: with
    ``ENQUEUE_ON_COMMIT`` the task only starts once the transaction commits.
    """
    return broadcast(group, event)
