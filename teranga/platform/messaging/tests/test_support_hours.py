"""Business hours arithmetic, in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from teranga.core.errors import ValidationFailed
from teranga.platform.messaging.support import (
    closed_since,
    discord_normalize,
    hours_on,
    hours_validate,
    is_open,
    next_opening,
    telegram_normalize,
    whatsapp_normalize,
)

HOURS = [
    {"weekday": 0, "opens": "09:00", "closes": "12:00"},
    {"weekday": 0, "opens": "14:00", "closes": "18:00"},
    {"weekday": 1, "opens": "09:00", "closes": "24:00"},
]
PARIS = "Europe/Paris"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_open_and_closed_with_a_break_in_paris_time():
    # Monday 2 March 2026; Paris is UTC+1 in winter.
    assert is_open(HOURS, PARIS, utc(2026, 3, 2, 8, 30))  # 09:30 local
    assert not is_open(HOURS, PARIS, utc(2026, 3, 2, 11, 30))  # 12:30 local: the break
    assert closed_since(HOURS, PARIS, utc(2026, 3, 2, 11, 30)) == utc(2026, 3, 2, 11, 0)
    assert next_opening(HOURS, PARIS, utc(2026, 3, 2, 11, 30)) == utc(2026, 3, 2, 13, 0)
    # Tuesday closes at midnight; Wednesday is closed all day.
    assert is_open(HOURS, PARIS, utc(2026, 3, 3, 22, 30))  # 23:30 local
    assert closed_since(HOURS, PARIS, utc(2026, 3, 4, 12, 0)) == utc(2026, 3, 3, 23, 0)
    assert next_opening(HOURS, PARIS, utc(2026, 3, 4, 12, 0)) == utc(2026, 3, 9, 8, 0)
    # Summer time: 09:00 in Paris is 07:00 UTC.
    assert is_open(HOURS, PARIS, utc(2026, 7, 6, 7, 0))
    assert not is_open(HOURS, PARIS, utc(2026, 7, 6, 6, 59))


def test_no_schedule_is_always_open():
    assert is_open([], PARIS, utc(2026, 3, 8, 3, 0))
    assert closed_since([], PARIS, utc(2026, 3, 8, 3, 0)) is None
    assert next_opening([], PARIS) is None


def test_hours_on_a_day():
    assert hours_on(HOURS, date(2026, 3, 2)) == [
        {"opens": "09:00", "closes": "12:00"},
        {"opens": "14:00", "closes": "18:00"},
    ]
    assert hours_on(HOURS, date(2026, 3, 4)) == []


def test_validation_sorts_and_refuses_nonsense():
    assert hours_validate(list(reversed(HOURS))) == HOURS
    for bad in (
        "9-18",
        [{"weekday": 0, "opens": "09:00"}],
        [{"weekday": True, "opens": "09:00", "closes": "10:00"}],
        [{"weekday": 0, "opens": "24:00", "closes": "24:00"}],
        [{"weekday": 0, "opens": "09:60", "closes": "10:00"}],
        [{"weekday": 0, "opens": "09:00", "closes": "10:00", "note": "x"}],
        [{"weekday": 0, "opens": "09:00", "closes": "10:00"}] * 22,
    ):
        with pytest.raises(ValidationFailed):
            hours_validate(bad)


def test_channels_are_normalised():
    assert whatsapp_normalize("77 123 45 67") == "+221771234567"
    assert whatsapp_normalize("https://wa.me/33612345678") == "+33612345678"
    assert telegram_normalize("https://t.me/Calmness_FX") == "Calmness_FX"
    assert telegram_normalize("@calmness") == "calmness"
    assert discord_normalize("https://discord.com/invite/AbC-12") == "AbC-12"
    assert whatsapp_normalize("") == telegram_normalize("  ") == discord_normalize("") == ""
    for normalize, bad in (
        (whatsapp_normalize, "not a number"),
        (telegram_normalize, "ab"),
        (discord_normalize, "discord.gg/../../x"),
    ):
        with pytest.raises(ValidationFailed):
            normalize(bad)
