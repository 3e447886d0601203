"""The task engine wiring: huey behind Django's Tasks API.

At scale, workers run apart from the web: ``python manage.py run_huey``.

In the embedded default (``EMBEDDED_WORKER``, on when no ``REDIS_URL`` is set), the huey
consumer runs as threads inside the web process, started and stopped by the ASGI
lifespan (``config.asgi``). One process is what makes the in-memory channel layer
work end to end: a task that broadcasts to a WebSocket reaches the clients connected to
this very process (``teranga.platform.realtime.broadcast``).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from teranga.core.management.commands.run_huey import GracefulConsumer
from teranga.core.management.commands.serve import drain_seconds, stop_seconds_left

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_consumer = None


class EmbeddedConsumer(GracefulConsumer):
    """``run_huey``'s consumer (a task cut off by the stop goes back on the queue), minus
    its signal handlers: inside the web process, uvicorn owns SIGINT and SIGTERM and stops
    us through the ASGI lifespan."""

    def _set_signal_handlers(self) -> None:
        return None


def embedded_consumer_running() -> bool:
    """The embedded consumer is started, not stopping, and its threads are alive."""
    consumer = _consumer
    if consumer is None or consumer.stop_flag.is_set():
        return False
    threads = [thread for _, thread in consumer.worker_threads]
    return consumer.scheduler.is_alive() and any(thread.is_alive() for thread in threads)


def start_embedded_consumer():
    """Start huey's worker and scheduler threads in this process (idempotent)."""
    global _consumer
    from huey.contrib.djhuey import HUEY

    with _lock:
        if _consumer is not None:
            return _consumer
        if HUEY.immediate:  # tasks run inline: there is nothing to consume
            logger.info("tasks run immediately; no embedded consumer")
            return None
        # Import every app's tasks module, as ``run_huey`` does: that is what registers
        # the periodic jobs (db_periodic_task) with the scheduler.
        autodiscover_modules("tasks")
        options = dict(settings.HUEY.get("consumer", {}))
        options.setdefault("workers", 2)
        options["worker_type"] = "thread"
        consumer = EmbeddedConsumer(HUEY, **options)
        consumer.start()
        _consumer = consumer
        logger.info("embedded task consumer started", extra={"workers": options["workers"]})
        return consumer


def stop_embedded_consumer() -> None:
    """Stop taking tasks; give the running ones what is left of the stop's budget (after
    the server drained its requests), then put any still running back on the queue: the
    next start runs them again (tasks are idempotent)."""
    global _consumer
    with _lock:
        consumer, _consumer = _consumer, None
    if consumer is None:
        return
    left = stop_seconds_left()  # None: stopped without a signal (tests, reload)
    budget = drain_seconds() if left is None else left - (left / 4)
    consumer.shutdown_timeout = max(0.0, budget)
    consumer.stop(graceful=True)  # waits up to shutdown_timeout for running tasks
    consumer.huey.notify_interrupted_tasks()  # re-queues what still runs
    logger.info("embedded task consumer stopped")
