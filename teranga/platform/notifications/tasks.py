"""Background delivery of outbox rows: notifications and SMS."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def sms_deliver_task(*, message_id: str) -> None:
    from teranga.platform.notifications.sms_outbox import sms_deliver

    sms_deliver(message_id=message_id)


@task()
def notification_deliver_task(*, notification_id: str) -> int:
    """Deliver the queued, due channels of one notification; returns how many were sent."""
    from teranga.platform.notifications.services import notification_deliver

    deliveries = notification_deliver(notification_id=notification_id)
    return sum(delivery.sent_now for delivery in deliveries)


@task()
def notification_deliver_batch_task(*, notification_ids: list[str]) -> int:
    """The same for a batch of notifications (bulk sends, broadcasts)."""
    from teranga.platform.notifications.services import notification_deliver

    return sum(
        delivery.sent_now
        for notification_id in notification_ids
        for delivery in notification_deliver(notification_id=notification_id)
    )


# Recovery: an SMS row is written before its delivery is queued (after commit). Were the
# process to stop between the two, the row would stay queued; this periodic job (huey's
# scheduler, every minute) delivers anything queued for more than a minute.
STALE_AFTER_SECONDS = 60


@db_periodic_task(crontab(minute="*"), name="notifications.sms_redeliver_stale")
def sms_redeliver_stale() -> int:
    from teranga.platform.notifications.sms_outbox import sms_deliver_stale

    return sms_deliver_stale(older_than_seconds=STALE_AFTER_SECONDS)


# Every minute, deliver the notification deliveries that are due: scheduled
# notifications whose time has come, retries whose backoff is over (30 s, 1 min, 2 min …
# up to services.MAX_DELIVERY_ATTEMPTS), SMS and push held back by quiet hours that have
# ended, and — recovery — deliveries due at once but still queued a minute later (the
# process stopped between the commit and the task). Rows are locked and only queued ones
# are sent, so a run that overlaps a task, or a second run, sends nothing twice.
@db_periodic_task(crontab(minute="*"), name="notifications.deliveries_redeliver_stale")
def notification_deliveries_redeliver_stale() -> int:
    from teranga.platform.notifications.services import notification_deliveries_redeliver_stale

    return notification_deliveries_redeliver_stale(older_than_seconds=STALE_AFTER_SECONDS)
