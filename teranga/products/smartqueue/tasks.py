"""SmartQueue's periodic jobs. Each one is idempotent and safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import notices  # noqa: F401  (registers the notification types in task workers)


@db_periodic_task(crontab(minute="*"), name="smartqueue.no_shows_mark")
def no_shows_mark_periodic() -> int:
    """Called tickets nobody started serving within the queue's timeout: no-show."""
    from .services.counters import no_shows_mark

    return no_shows_mark()


@db_periodic_task(crontab(minute="*"), name="smartqueue.queues_follow_hours")
def queues_follow_hours_periodic() -> int:
    """Open and close the queues that follow their hours; expire last night's tickets."""
    from .services.catalog import queues_follow_hours

    return queues_follow_hours()


@db_periodic_task(crontab(minute="*"), name="smartqueue.leave_now_sweep")
def leave_now_sweep_periodic() -> int:
    """Send "leave now" to the clients whose travel time caught up with their wait."""
    from .notices import leave_now_sweep

    return leave_now_sweep()


@db_periodic_task(crontab(minute="*/5"), name="smartqueue.locations_purge")
def locations_purge_periodic() -> int:
    """Forget the positions nobody needs any more."""
    from .services.locations import locations_purge

    return locations_purge()


@db_periodic_task(crontab(minute="*/5"), name="smartqueue.appointments_mark_missed")
def appointments_mark_missed_periodic() -> int:
    """Appointments whose check-in window closed without a check-in: missed."""
    from .services.appointments import appointments_mark_missed

    return appointments_mark_missed()
