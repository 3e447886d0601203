"""Background delivery of outbox rows."""

from __future__ import annotations

from django_tasks import task


@task()
def sms_deliver_task(*, message_id: str) -> None:
    from teranga.platform.notifications.services import sms_deliver

    sms_deliver(message_id=message_id)
