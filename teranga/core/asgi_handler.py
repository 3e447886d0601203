"""Django's ASGI handler with a cap on the requests one process works on at once.

Django runs each HTTP request's synchronous part (middleware, view, database) on a
thread of its own. Python runs one thread at a time (the GIL), so eight requests in
flight in one process are eight threads taking turns, and the turns cost: measured with
``benchmarks.api_overhead`` (one process, SQLite, eight connections), a 20-item list
answered 57 requests/s with every request on its own thread, 80/s when the
process worked on one request at a time. No library caps this (uvicorn's
``--limit-concurrency`` refuses the excess with 503 instead of queueing it), hence this
small subclass.

The cap (``HTTP_CONCURRENCY`` requests per process, 0 for none; 1 on SQLite, 4 on
PostgreSQL, whose round trips another request can fill) is an asyncio semaphore around
the synchronous part only. Reading the request body and sending the answer stay
concurrent, so a slow mobile connection holds no slot while its bytes trickle in or out;
requests over the cap wait in the event loop, which costs nothing while they wait.

A request that waits on something outside the process (a payment provider's API: see
``teranga.core.http``) gives its slot back for the wait with :func:`slot_released`, so a
slow provider never holds up the other requests of its process.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


@dataclass
class _Slot:
    """One request's turn. ``held`` and ``finished`` change on the event loop only;
    ``lent`` on the request's worker thread only."""

    semaphore: asyncio.Semaphore
    loop: asyncio.AbstractEventLoop
    held: bool = True
    finished: bool = False
    lent: bool = False


_slot: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("http_slot", default=None)


def _give_back(slot: _Slot) -> None:
    if slot.held and not slot.finished:
        slot.held = False
        slot.semaphore.release()


async def _take_back(slot: _Slot) -> None:
    await slot.semaphore.acquire()
    if slot.finished:  # the request ended meanwhile (its client left): nothing to hold
        slot.semaphore.release()
    else:
        slot.held = True


@contextlib.contextmanager
def slot_released() -> Iterator[None]:
    """Around a wait on another system, in a request's synchronous code: the next request
    in line runs meanwhile, and this one takes a slot again (waiting its turn) after.
    Anywhere else (a task, a test, async code) it does nothing."""
    slot = _slot.get()
    if slot is None or slot.lent:
        yield
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # a worker thread: the case this is for
    else:
        yield  # on the event loop itself: waiting for the slot here would block it
        return
    slot.lent = True
    slot.loop.call_soon_threadsafe(_give_back, slot)
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(_take_back(slot), slot.loop).result()
        slot.lent = False


class CappedASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.limit = int(getattr(settings, "HTTP_CONCURRENCY", 0) or 0)
        # One semaphore per event loop: uvicorn runs one per process, tests may run several.
        self._semaphores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _semaphore(self, loop) -> asyncio.Semaphore:
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        return semaphore

    async def run_get_response(self, request):
        if self.limit <= 0:
            return await super().run_get_response(request)
        loop = asyncio.get_running_loop()
        semaphore = self._semaphore(loop)
        await semaphore.acquire()
        slot = _Slot(semaphore, loop)
        token = _slot.set(slot)
        try:
            return await super().run_get_response(request)
        finally:
            # Also when the client left and Django cancelled the request: its thread may
            # still be waiting on a provider, and takes no slot back afterwards.
            _slot.reset(token)
            slot.finished = True
            if slot.held:
                slot.held = False
                semaphore.release()
