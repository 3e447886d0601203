"""One Redis connection pool per process for Django's cache.

Django keeps a cache backend per async context, and under ASGI each request is a new
context: every request built a new backend, with a new redis-py connection pool, and so
opened a new connection to Redis (a TCP handshake and a ``HELLO`` before its first
command). Django's ``RedisCache`` accepts a ``pool_class``; this one hands every backend
built for the same server and options the same pool, so requests reuse connections.
redis-py resets a pool inherited across a fork, so worker processes do not share
sockets.
"""

from __future__ import annotations

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        with cls._lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
            return pool
