"""Staffing advice: how many counters to open in an hour so that the target share of
clients waits no longer than the target (e.g. 80 % within 15 minutes), by the Erlang C
formula (an M/M/c queue: Poisson arrivals at the forecast rate, exponential service
times with the measured mean, ``c`` counters in parallel, first come first served).

Erlang C is a few lines and none of the libraries we keep (DESIGN.md) computes it, so it
is written here, in the numerically stable form: Erlang B by its recurrence
``B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))`` (no factorials or powers that overflow for
a large traffic), then ``C = c·B / (c − A·(1 − B))``. With ``A = λ·S`` (the offered
traffic in erlangs, λ arrivals per second, S the mean service time in seconds):

* probability of waiting at all: ``C(c, A)``;
* mean wait: ``C·S / (c − A)``;
* service level (waits ≤ t): ``1 − C·exp(−(c − A)·t / S)``.

With ``c ≤ A`` the queue grows without bound: no finite wait, a service level of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: No hour asks for more counters than this (a bound on the search).
MAX_COUNTERS = 200


def erlang_b(counters: int, traffic: float) -> float:
    """Erlang B: the blocking probability of ``counters`` servers offered ``traffic``."""
    blocking = 1.0
    for k in range(1, counters + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(counters: int, traffic: float) -> float:
    """Erlang C: the probability that a client waits (1 when ``counters ≤ traffic``)."""
    if traffic <= 0:
        return 0.0
    if counters <= traffic:
        return 1.0
    blocking = erlang_b(counters, traffic)
    return counters * blocking / (counters - traffic * (1 - blocking))


@dataclass(frozen=True)
class Staffing:
    counters: int
    wait_probability: float
    #: Mean wait in seconds; None when the queue grows without bound.
    expected_wait_seconds: float | None
    #: Share of clients served within the target wait (0–1).
    service_level: float


def staffing_for(
    counters: int, *, arrivals_per_hour: float, service_seconds: float, target_seconds: float
) -> Staffing:
    """What ``counters`` open counters give for this hour's arrivals."""
    traffic = arrivals_per_hour * service_seconds / 3600
    if arrivals_per_hour <= 0:
        return Staffing(counters, 0.0, 0.0, 1.0)
    if counters <= traffic:
        return Staffing(counters, 1.0, None, 0.0)
    waiting = erlang_c(counters, traffic)
    spare = counters - traffic
    return Staffing(
        counters=counters,
        wait_probability=waiting,
        expected_wait_seconds=waiting * service_seconds / spare,
        service_level=max(0.0, 1 - waiting * math.exp(-spare * target_seconds / service_seconds)),
    )


def counters_needed(
    *,
    arrivals_per_hour: float,
    service_seconds: float,
    target_seconds: float,
    service_level: float,
) -> Staffing:
    """The fewest counters whose service level reaches ``service_level`` (0–1); 0
    counters when nobody is expected."""
    if arrivals_per_hour <= 0:
        return Staffing(0, 0.0, 0.0, 1.0)
    traffic = arrivals_per_hour * service_seconds / 3600
    counters = max(1, math.floor(traffic) + 1)
    while counters < MAX_COUNTERS:
        result = staffing_for(
            counters,
            arrivals_per_hour=arrivals_per_hour,
            service_seconds=service_seconds,
            target_seconds=target_seconds,
        )
        if result.service_level >= service_level:
            return result
        counters += 1
    return staffing_for(
        MAX_COUNTERS,
        arrivals_per_hour=arrivals_per_hour,
        service_seconds=service_seconds,
        target_seconds=target_seconds,
    )
