"""The throttles every view uses (``teranga.core.throttling``): a sliding-window counter of
two integers per client and scope, through HTTP on an anonymous endpoint at ``3/min``,
with the throttle's clock moved by the test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.cache import cache

from teranga.core.throttling import SimpleRateThrottle

URL = "/api/v1/geo/regions/"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def clock(monkeypatch, settings):
    """Anonymous requests at 3 a minute; ``clock["now"]`` is every throttle's time."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    now = {"now": 1_800_000_000.0}  # the start of a minute
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now["now"])
    cache.clear()
    yield now
    cache.clear()


def statuses(api, n, address="203.0.113.7"):
    return [api.get(URL, REMOTE_ADDR=address).status_code for _ in range(n)]


@pytest.mark.django_db
def test_the_rate_holds_per_client_with_a_retry_after(api, clock):
    assert statuses(api, 4) == [200, 200, 200, 429]
    refused = api.get(URL, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    # The current window's 3 leave at its end: 60 s from its start.
    assert int(refused["Retry-After"]) == 60
    assert statuses(api, 1, address="198.51.100.4") == [200]  # another client


@pytest.mark.django_db
def test_the_previous_window_counts_by_what_the_last_minute_still_covers(api, clock):
    clock["now"] += 50  # 3 requests late in a minute
    assert statuses(api, 3) == [200, 200, 200]
    clock["now"] += 15  # 5 s into the next minute: the last minute still covers 55/60 of it
    assert statuses(api, 2) == [200, 429]  # 3 x 55/60 = 2.75 < 3, then 3.75
    refused = api.get(URL, REMOTE_ADDR="203.0.113.7")
    # Under the rate once 3 x (55/60 - t/60) + 1 < 3, after t = 15 s (rounded up).
    assert int(refused["Retry-After"]) == 16
    clock["now"] += 16
    assert statuses(api, 2) == [200, 429]  # 3 x 39/60 + 1 = 2.95, then 3.95
    clock["now"] += 120  # both windows gone
    assert statuses(api, 4) == [200, 200, 200, 429]


@pytest.mark.django_db
def test_what_is_kept_is_two_counts_not_a_list_of_times(api, clock):
    statuses(api, 3)
    window = int(clock["now"] // 60)
    key = f"throttle_anon_203.0.113.7:{window}"
    assert cache.get(key) == 3


def test_every_view_uses_these_throttles():
    """No module imports DRF's own throttles (their per-request list of times) but this
    one; the settings name these classes."""
    from django.conf import settings

    offenders = []
    for path in (ROOT / "teranga").rglob("*.py"):
        if path == ROOT / "teranga" / "core" / "throttling.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "rest_framework.throttling":
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    classes = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert all(name.startswith("teranga.core.throttling.") for name in classes)
