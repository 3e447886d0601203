"""Background delivery of outbox rows: notifications and SMS.

The delivery tasks queued after commit live beside the services that queue and run them
(``services.notification_deliver_task``, ``notification_deliver_batch_task``,
``sms_outbox.sms_deliver_task``), so that no service imports this module; they are also
importable from here, under the path that jobs queued before they moved name. The
periodic recovery jobs are here.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from teranga.platform.notifications import discord, services, sms_outbox
from teranga.platform.notifications.services import (
    notification_deliver_batch_task,
    notification_deliver_task,
)
from teranga.platform.notifications.sms_outbox import sms_deliver_task

__all__ = [
    "discord_messages_deliver_due",
    "notification_deliver_batch_task",
    "notification_deliver_task",
    "notification_deliveries_redeliver_stale",
    "sms_deliver_task",
    "sms_redeliver_stale",
]


# Recovery: an SMS row is written before its delivery is queued (after commit). Were the
# process to stop between the two, the row would stay queued; this periodic job (huey's
# scheduler, every minute) delivers anything queued for more than a minute.
STALE_AFTER_SECONDS = 60


@db_periodic_task(crontab(minute="*"), name="notifications.sms_redeliver_stale")
def sms_redeliver_stale() -> int:
    return sms_outbox.sms_deliver_stale(older_than_seconds=STALE_AFTER_SECONDS)


# Every minute, deliver the notification deliveries that are due: scheduled
# notifications whose time has come, retries whose backoff is over (30 s, 1 min, 2 min …
# up to services.MAX_DELIVERY_ATTEMPTS), SMS and push held back by quiet hours that have
# ended, and — recovery — deliveries due at once but still queued a minute later (the
# process stopped between the commit and the task). Rows are locked and only queued ones
# are sent, so a run that overlaps a task, or a second run, sends nothing twice.
@db_periodic_task(crontab(minute="*"), name="notifications.deliveries_redeliver_stale")
def notification_deliveries_redeliver_stale() -> int:
    return services.notification_deliveries_redeliver_stale(
        older_than_seconds=STALE_AFTER_SECONDS
    )


# Discord announcements: retries whose backoff (or Discord's retry_after) is over, and
# rows whose task was lost between the commit and the enqueue.
@db_periodic_task(crontab(minute="*"), name="notifications.discord_deliver_due")
def discord_messages_deliver_due() -> int:
    return discord.discord_messages_deliver_due(older_than_seconds=STALE_AFTER_SECONDS)
