"""DRF's throttles with O(1) work per request: the ones every view uses.

DRF's ``SimpleRateThrottle`` keeps, per client and scope, the list of the times of its
requests in the last period, and reads, trims and writes the whole list back on every
request. Its cost grows with the rate: a user at ``600/min`` makes each request unpickle
and pickle 600 floats (twice, with the user and the scoped throttle), a webhook sender at
``1200/min`` 1,200, and each write of that list goes to Redis at scale. Those lists were a
large part of a throttled request's own work (``benchmarks.analytics_collect``).

Here each client and scope has two integers instead: the counts of the current fixed
window (``duration`` long) and of the previous one, read in one ``get_many``, the current
one raised with an atomic ``incr`` (Redis ``INCRBY``; the local-memory cache's lock). The
number of requests in the last period is estimated as the previous window's count,
weighted by how much of it the last period still covers, plus the current count (the
sliding-window counter of nginx and Cloudflare). It never lets through more than the rate
in one fixed window, and it is exact when requests arrive at a steady pace.

The classes keep DRF's names and their ``get_cache_key`` (who counts: the address, the
user, the scope), so a view or a subclass only changes its import.
"""

from __future__ import annotations

from rest_framework import throttling

__all__ = [
    "AnonRateThrottle",
    "KeyedRateThrottle",
    "ScopedRateThrottle",
    "SimpleRateThrottle",
    "UserRateThrottle",
    "budget_spend",
    "client_address",
]


class SimpleRateThrottle(throttling.SimpleRateThrottle):
    def _keys(self, key: str) -> tuple[str, str]:
        window = int(self.now // self.duration)
        return f"{key}:{window}", f"{key}:{window - 1}"

    def count(self, key: str) -> float:
        """The estimated number of requests counted under ``key`` in the last period
        (without counting one); sets ``self.now`` and what :meth:`wait` needs."""
        self.now = self.timer()
        current, previous = self._keys(key)
        counts = self.cache.get_many([current, previous])
        self.current_count = int(counts.get(current, 0))
        self.previous_count = int(counts.get(previous, 0))
        self.elapsed = (self.now % self.duration) / self.duration
        return self.previous_count * (1 - self.elapsed) + self.current_count

    def hit(self, key: str) -> None:
        """Count one request under ``key`` (in the current window)."""
        current, _previous = self._keys(key)
        # Kept through the next window, where it is the previous one.
        timeout = 2 * self.duration
        self.cache.add(current, 0, timeout)
        try:
            self.cache.incr(current)
        except ValueError:  # expired between the two calls
            self.cache.set(current, 1, timeout)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if self.count(self.key) >= self.num_requests:
            return self.throttle_failure()
        self.hit(self.key)
        return True

    def wait(self) -> float | None:
        """Seconds until a request fits again: the previous window's weight shrinks as
        time passes, the current count only leaves at the window's end. A client that
        waits that long (DRF rounds it up) gets through."""
        remaining = self.duration - (self.now % self.duration)
        if self.current_count >= self.num_requests or not self.previous_count:
            return remaining
        excess = self.previous_count * (1 - self.elapsed) + self.current_count - self.num_requests
        return min(remaining, max(excess, 0) / self.previous_count * self.duration + 0.001)


class AnonRateThrottle(throttling.AnonRateThrottle, SimpleRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle, SimpleRateThrottle):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, SimpleRateThrottle):
    pass


class KeyedRateThrottle(SimpleRateThrottle):
    """A scope's budget for a key the caller names (a phone number, an address), outside
    a DRF view: the public pages' forms count their guests with it."""

    def __init__(self, scope: str, key: str) -> None:
        self.scope = scope
        self.ident = key
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def budget_spend(request, scope: str, key: str) -> float | None:
    """Spend one unit of ``scope``'s budget for ``key``: None when it was allowed, else the
    seconds to wait before the next one fits."""
    throttle = KeyedRateThrottle(scope, key)
    if throttle.allow_request(request, None):
        return None
    return throttle.wait() or 1.0


def client_address(request) -> str:
    """The address DRF's throttles count the request under (the forwarded one behind the
    configured proxies)."""
    return throttling.BaseThrottle().get_ident(request)
