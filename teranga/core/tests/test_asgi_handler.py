"""The cap on the requests one server process works on at once (``HTTP_CONCURRENCY``,
``teranga.core.asgi_handler``): real ASGI requests through the real middleware, on
real threads, to a view that counts how many of its calls overlap."""

import asyncio
import threading
import time

from asgiref.testing import ApplicationCommunicator
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path

from teranga.core.asgi_handler import CappedASGIHandler, slot_released


class Overlap:
    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


overlap = Overlap()


def busy(request):
    with overlap:
        time.sleep(0.15)  # stands for work on this process's CPU
    return JsonResponse({"ok": True})


def waits_outside(request):
    with overlap, slot_released():
        time.sleep(0.15)  # stands for a payment provider's answer
    return JsonResponse({"ok": True})


urlpatterns = [path("busy/", busy), path("outside/", waits_outside)]


def http_scope(url: str) -> dict:
    """A GET of ``url`` as uvicorn hands it to the application."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def get(handler, url: str) -> int:
    """One GET through the handler as uvicorn sends it; the answer's status."""
    communicator = ApplicationCommunicator(handler, http_scope(url))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    await communicator.receive_output(10)  # the body
    return start["status"]


def serve_together(limit: int, url: str, count: int = 4) -> tuple[list[int], int, float]:
    """``count`` requests at once to a handler capped at ``limit``: their statuses, the
    most view calls that overlapped, and the semaphore's free slots afterwards."""
    overlap.most = overlap.now = 0
    with override_settings(HTTP_CONCURRENCY=limit, ROOT_URLCONF=__name__):
        handler = CappedASGIHandler()

        async def main():
            statuses = await asyncio.gather(*(get(handler, url) for _ in range(count)))
            loop = asyncio.get_running_loop()
            free = handler._semaphore(loop)._value if limit else -1
            return list(statuses), free

        statuses, free = asyncio.run(main())
    return statuses, overlap.most, free


def test_one_request_at_a_time_per_process_when_the_cap_is_one():
    statuses, most, free = serve_together(1, "/busy/")
    assert statuses == [200, 200, 200, 200]
    assert most == 1
    assert free == 1  # every slot given back


def test_the_cap_allows_that_many_at_once():
    statuses, most, free = serve_together(2, "/busy/")
    assert statuses == [200] * 4
    assert most == 2
    assert free == 2


def test_no_cap_lets_every_request_run_at_once():
    statuses, most, _free = serve_together(0, "/busy/")
    assert statuses == [200] * 4
    assert most == 4


def test_a_wait_on_another_system_gives_the_slot_to_the_next_request():
    """With a cap of one, requests that wait on a provider still overlap while they
    wait, and each takes its slot back afterwards (the count ends where it began)."""
    statuses, most, free = serve_together(1, "/outside/")
    assert statuses == [200] * 4
    assert most == 4
    assert free == 1


def test_slot_released_does_nothing_outside_a_request():
    with slot_released():
        pass  # no slot in a task, a test or the shell: no error, nothing to give back


def test_a_client_leaving_during_a_provider_wait_leaks_no_slot():
    """The phone goes away while its request waits on a provider: Django cancels the
    request, its thread finishes the wait later, and the slot count ends where it began
    (a leaked slot would stop a process capped at one for good)."""
    overlap.most = overlap.now = 0
    with override_settings(HTTP_CONCURRENCY=1, ROOT_URLCONF=__name__):
        handler = CappedASGIHandler()

        async def main():
            leaving = ApplicationCommunicator(handler, http_scope("/outside/"))
            await leaving.send_input({"type": "http.request", "body": b"", "more_body": False})
            await asyncio.sleep(0.05)  # inside the provider wait
            await leaving.send_input({"type": "http.disconnect"})
            await leaving.wait(5)
            await asyncio.sleep(0.3)  # the thread's wait ends, after the request did
            after = await get(handler, "/busy/")  # the process still serves
            return after, handler._semaphore(asyncio.get_running_loop())._value

        status, free = asyncio.run(main())
    assert status == 200
    assert free == 1
