"""Background delivery of outbox rows: notifications and SMS."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def sms_deliver_task(*, message_id: str) -> None:
    from teranga.platform.notifications.services import sms_deliver

    sms_deliver(message_id=message_id)


@task()
def notification_deliver_task(*, notification_id: str) -> int:
    """Deliver the queued channels of one notification; returns how many were sent."""
    from teranga.platform.notifications.models import DeliveryStatus
    from teranga.platform.notifications.services import notification_deliver

    deliveries = notification_deliver(notification_id=notification_id)
    return sum(delivery.status == DeliveryStatus.SENT for delivery in deliveries)


# Recovery: an SMS row is written before its delivery is queued (after commit). Were the
# process to stop between the two, the row would stay queued; this periodic job (huey's
# scheduler, every minute) delivers anything queued for more than a minute.
STALE_AFTER_SECONDS = 60


@db_periodic_task(crontab(minute="*"), name="notifications.sms_redeliver_stale")
def sms_redeliver_stale() -> int:
    from teranga.platform.notifications.services import sms_deliver_stale

    return sms_deliver_stale(older_than_seconds=STALE_AFTER_SECONDS)


# The same for notification deliveries, which also covers retries: a delivery whose
# channel failed stays queued and is tried again here, a minute later, up to
# services.MAX_DELIVERY_ATTEMPTS times.
@db_periodic_task(crontab(minute="*"), name="notifications.deliveries_redeliver_stale")
def notification_deliveries_redeliver_stale() -> int:
    from teranga.platform.notifications.services import notification_deliveries_redeliver_stale

    return notification_deliveries_redeliver_stale(older_than_seconds=STALE_AFTER_SECONDS)
