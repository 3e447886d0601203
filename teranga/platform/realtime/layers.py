"""The Redis channel layer, with a receive loop that always ends once it is cancelled.

channels_redis waits for a consumer's messages in a loop (``receive_single``: one 5 s
``BZPOPMIN`` after another, until a message comes). redis-py sends each command through
``asyncio.wait_for`` when the connection has a socket timeout (ours has one, see the
settings), and on Python 3.11 ``wait_for`` drops a cancellation that arrives as the send
completes: it returns the result instead (fixed in 3.12). The cancelled receive then
goes on looping for ever on a channel nobody reads. That is what issue 23 found: each
WebSocket that closed could leave such a loop behind, and uvicorn's shutdown waits for
it ("Waiting for background tasks to complete") without end.

The task still records the request (``Task.cancelling()``), so this layer looks at it
around every blocking pop and raises the ``CancelledError`` that was lost: a cancelled
receive ends within one pop (5 s at most). Nothing is lost either way: a message popped
meanwhile sits in channels_redis' backup queue, which the next receive of that channel
restores.
"""

from __future__ import annotations

import asyncio

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer


def raise_if_cancel_requested() -> None:
    """Raise ``CancelledError`` when the current task was asked to stop but the request
    was swallowed on the way (Python 3.11's ``asyncio.wait_for``)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class RedisChannelLayer(BaseRedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        raise_if_cancel_requested()
        member = await super()._brpop_with_clean(index, channel, timeout)
        if member is None:  # the loop would pop again
            raise_if_cancel_requested()
        return member
