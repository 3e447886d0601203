"""Background delivery of outbox rows."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def sms_deliver_task(*, message_id: str) -> None:
    from teranga.platform.notifications.services import sms_deliver

    sms_deliver(message_id=message_id)


# Recovery: an SMS row is written before its delivery is queued (after commit). Were the
# process to stop between the two, the row would stay queued; this periodic job (huey's
# scheduler, every minute) delivers anything queued for more than a minute.
STALE_AFTER_SECONDS = 60


@db_periodic_task(crontab(minute="*"), name="notifications.sms_redeliver_stale")
def sms_redeliver_stale() -> int:
    from teranga.platform.notifications.services import sms_deliver_stale

    return sms_deliver_stale(older_than_seconds=STALE_AFTER_SECONDS)
