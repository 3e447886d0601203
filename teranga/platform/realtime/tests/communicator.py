"""A WebSocket test client over asgiref's ApplicationCommunicator.

``channels.testing`` cannot be imported without daphne (its live-server helper imports
it), and daphne is not a dependency: this is the same small client, without daphne.

No test waits a fixed time to see that nothing arrives: ``receive_nothing`` is refused.
Send something through the same channel that must arrive (a broadcast to the same group,
the next event) and assert that it is the next frame: whatever should not have come would
have come before it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait (at most ``timeout`` seconds) until ``condition()`` holds: for a state that
    another task or thread changes and that sends no message (a counter of re-checks)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {what}")
        await asyncio.sleep(0.01)


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, application, path: str, headers=None, subprotocols=None):
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode("utf-8"),
            "headers": headers or [],
            "subprotocols": subprotocols or [],
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 1):
        """``(True, subprotocol)`` when accepted, ``(False, close code)`` when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str):
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def send_json_to(self, data) -> None:
        await self.send_to(json.dumps(data))

    async def receive_json_from(self, timeout: float = 1):
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def receive_nothing(self, timeout=0.1, interval=0.01):
        raise AssertionError(
            "a fixed wait proves nothing: send something that must arrive through the same "
            "channel, and assert that it is the next frame"
        )

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
