"""Services, queues, counters, kiosks (filled in by the catalog work)."""


def queues_follow_hours() -> int:
    return 0
