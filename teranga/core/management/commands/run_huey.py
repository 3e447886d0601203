"""``manage.py run_huey``: huey's task worker, stopping gracefully on SIGTERM too.

huey's own command stops at once on SIGTERM (what Kubernetes and process managers send):
a running task is cut off and, taken off the queue already, waits for the periodic
recovery of its outbox rows. This command (it replaces djhuey's: ``teranga.core`` comes
first in ``INSTALLED_APPS``) treats SIGTERM as SIGINT (issue 23):

* the first SIGTERM or SIGINT stops taking tasks; running tasks get
  ``drain_seconds()`` (``SHUTDOWN_TIMEOUT`` minus a small reserve) to finish;
* a task still running then, or at a second signal, is put back on the queue: another
  worker (or this one, restarted) runs it again. Tasks are idempotent (their work is an
  outbox row, processed once), so a task cut off half-way is safe to run again;
* the process exits 0, and by force once ``SHUTDOWN_TIMEOUT`` has passed.

``--shutdown-timeout`` still sets the time running tasks get. The embedded worker
(``config.tasks_engine``) uses the same consumer, stopped by the server's lifespan.
"""

from __future__ import annotations

import logging
import signal

from huey.consumer import Consumer
from huey.contrib.djhuey.management.commands.run_huey import Command as HueyCommand
from huey.signals import SIGNAL_INTERRUPTED

from teranga.core.management.commands.serve import drain_seconds, start_stop_watchdog

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulConsumer(Consumer):
    """huey's consumer where SIGINT and SIGTERM both stop gracefully, a second signal of
    either kind stops at once, and a task interrupted by the stop goes back on the queue
    (``requeue_interrupted``)."""

    def __init__(self, huey, **options):
        super().__init__(huey, **options)
        for signum in STOP_SIGNALS:
            self._signal_actions[signum] = (False, True)  # (restart, graceful)
        self._requeue = requeue_interrupted(huey)

    def _handle_signal(self, signum, frame):
        super()._handle_signal(signum, frame)
        if signum in STOP_SIGNALS:
            start_stop_watchdog()
            # The next signal of either kind interrupts the wait (KeyboardInterrupt).
            for other in STOP_SIGNALS:
                signal.signal(other, signal.default_int_handler)


def requeue_interrupted(huey):
    """Connect (once per huey instance) the handler that puts a task interrupted by a
    stop back on the queue: huey emits ``SIGNAL_INTERRUPTED`` for every task still
    running when its consumer stops (``Huey.notify_interrupted_tasks``)."""
    handler = getattr(huey, "_teranga_requeue", None)
    if handler is not None:
        return handler

    def handler(signal_name, task, *args, **kwargs):
        try:
            huey.enqueue(task)
        except Exception:  # the queue is unreachable: the outbox recovery remains
            logger.exception("could not re-queue an interrupted task", extra={"task": task.id})
            return
        logger.warning("task interrupted by the stop, re-queued", extra={"task": task.id})

    huey.signal(SIGNAL_INTERRUPTED)(handler)
    huey._teranga_requeue = handler
    return handler


class Command(HueyCommand):
    help = (
        "Run the task worker; SIGTERM or SIGINT stop it gracefully within SHUTDOWN_TIMEOUT "
        "(running tasks finish or go back on the queue)."
    )

    def handle(self, *args, **options):
        from huey.contrib.djhuey import HUEY

        # djhuey's handle() reads the options (settings, then command line) and builds
        # the consumer with HUEY.create_consumer(**options): for this run, that builds
        # ours, so that the option handling stays djhuey's own.
        if options.get("shutdown_timeout") is None:
            options["shutdown_timeout"] = drain_seconds()
        original = HUEY.create_consumer

        def create_consumer(**consumer_options):
            return GracefulConsumer(HUEY, **consumer_options)

        HUEY.create_consumer = create_consumer
        try:
            super().handle(*args, **options)
        finally:
            HUEY.create_consumer = original
