"""The buffer between the collection endpoint and the database: a request appends one
record (a small JSON text) and returns; the flush (``services.events_flush``) takes the
records in batches and writes each batch with a few bulk statements.

* **Embedded default** (no ``REDIS_URL``): a list in this process, under a lock.
* **At scale** (``REDIS_URL``): a Redis list shared by every process (``RPUSH``; the
  flush takes a batch with ``LRANGE`` + ``LTRIM`` in one ``MULTI``).
  ``ANALYTICS_BUFFER`` (``memory`` or ``redis``) overrides the choice.

When the flush runs: every ``ANALYTICS_FLUSH_SECONDS`` (5 s) in a daemon thread of each
process that collected something, at once (woken by the request) when the buffer holds
``ANALYTICS_FLUSH_EVENTS`` records, and every minute by the periodic job
``analytics.events_flush`` (what a stopped process left in Redis). ``0`` seconds: no
thread (tests call the flush themselves).

What a crash can lose: in memory, the records of this process not flushed yet, at most
5 s of traffic and never more than ``ANALYTICS_FLUSH_EVENTS``; with Redis, a web
process's crash loses nothing (the list is in Redis), a Redis crash loses what its
persistence had not saved, and a flush that dies between taking a batch and its commit
loses that batch (at most ``ANALYTICS_FLUSH_EVENTS`` records).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_KEY = "analytics:buffer"


class MemoryBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[str] = []

    def append(self, record: str) -> int:
        with self._lock:
            self._items.append(record)
            return len(self._items)

    def take(self, limit: int) -> list[str]:
        with self._lock:
            batch, self._items = self._items[:limit], self._items[limit:]
            return batch

    def size(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items = []


class RedisBuffer:
    def __init__(self, url: str) -> None:
        import redis

        from teranga.core.redis_pool import SharedConnectionPool

        self._client = redis.Redis(connection_pool=SharedConnectionPool.from_url(url))
        self.key = f"{settings.HUEY_NAME}:{REDIS_KEY}"

    def append(self, record: str) -> int:
        return int(self._client.rpush(self.key, record))

    def take(self, limit: int) -> list[str]:
        with self._client.pipeline(transaction=True) as pipe:
            pipe.lrange(self.key, 0, limit - 1)
            pipe.ltrim(self.key, limit, -1)
            batch, _trimmed = pipe.execute()
        return [item.decode() if isinstance(item, bytes) else item for item in batch]

    def size(self) -> int:
        return int(self._client.llen(self.key))

    def clear(self) -> None:
        self._client.delete(self.key)


_buffer_lock = threading.Lock()
_buffers: dict[tuple[str, str], MemoryBuffer | RedisBuffer] = {}


def kind() -> str:
    chosen = getattr(settings, "ANALYTICS_BUFFER", "") or ("redis" if settings.REDIS_URL else "")
    return "redis" if chosen == "redis" and settings.REDIS_URL else "memory"


def current() -> MemoryBuffer | RedisBuffer:
    """This process's buffer (one per kind and Redis server)."""
    key = (kind(), settings.REDIS_URL)
    found = _buffers.get(key)
    if found is None:
        with _buffer_lock:
            found = _buffers.get(key)
            if found is None:
                found = RedisBuffer(settings.REDIS_URL) if key[0] == "redis" else MemoryBuffer()
                _buffers[key] = found
    return found


def batch_size() -> int:
    return max(1, int(getattr(settings, "ANALYTICS_FLUSH_EVENTS", 10_000)))


def interval() -> float:
    return float(getattr(settings, "ANALYTICS_FLUSH_SECONDS", 5.0))


class Flusher:
    """The daemon thread of this process that flushes every ``interval()`` seconds, or
    at once when woken because the buffer is full."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.flush: Callable[[], int] | None = None

    def ensure_started(self, flush: Callable[[], int]) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        if interval() <= 0:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self.flush = flush
            self._thread = threading.Thread(target=self._run, name="analytics-flusher", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        from django.db import close_old_connections

        while True:
            seconds = interval()
            if seconds <= 0:
                return
            self._wake.wait(seconds)
            self._wake.clear()
            try:
                close_old_connections()
                self.flush()
            except Exception:  # a bad batch or a database away: logged, tried again
                logger.exception("analytics: the flush failed")
            finally:
                close_old_connections()


flusher = Flusher()
