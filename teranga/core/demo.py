"""What every product's demo loader shares."""

from __future__ import annotations

from django.conf import settings


def history_days(default: int) -> int:
    """How many days of past activity a demo generates (visits, tickets): ``default``,
    the loader's own, unless ``settings.DEMO_HISTORY_DAYS`` asks for fewer. The test
    settings ask for two weeks: the suite loads the demo many times, and the months of
    history cost most of each load without changing what the tests look at."""
    limit = getattr(settings, "DEMO_HISTORY_DAYS", None)
    return default if limit is None else max(1, min(default, limit))
