"""The adapters' reading of the providers' documented shapes (no database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from teranga.platform.calendars.providers import google, microsoft


def test_google_event_ids_are_stable_base32hex():
    event_id = google.event_id_for("5b0f4a5e-3c1d-4e55-9d0b-1f3a2b4c5d6e")
    assert event_id == google.event_id_for("5b0f4a5e-3c1d-4e55-9d0b-1f3a2b4c5d6e")
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id)
    assert event_id != google.event_id_for("another")


def test_google_busy_changes():
    timed = google._busy_change(
        {
            "id": "a1",
            "status": "confirmed",
            "start": {"dateTime": "2026-03-04T10:00:00+01:00"},
            "end": {"dateTime": "2026-03-04T11:00:00+01:00"},
        },
        "Europe/Paris",
    )
    assert (timed.starts_at, timed.ends_at) == (
        datetime(2026, 3, 4, 9, tzinfo=UTC),
        datetime(2026, 3, 4, 10, tzinfo=UTC),
    )
    all_day = google._busy_change(
        {"id": "a2", "start": {"date": "2026-03-04"}, "end": {"date": "2026-03-05"}},
        "Europe/Paris",
    )
    assert all_day.starts_at == datetime(2026, 3, 3, 23, tzinfo=UTC)  # midnight in Paris
    assert not google._busy_change({"id": "a3", "status": "cancelled"}, "UTC").busy
    ours = {
        "id": "a4",
        "start": {"dateTime": "2026-03-04T10:00:00Z"},
        "end": {"dateTime": "2026-03-04T11:00:00Z"},
        "extendedProperties": {"private": {"teranga_uid": "x"}},
    }
    assert not google._busy_change(ours, "UTC").busy


def test_graph_busy_changes():
    busy = microsoft._busy_change(
        {
            "id": "b1",
            "showAs": "busy",
            "start": {"dateTime": "2026-03-04T10:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-04T11:30:00.0000000", "timeZone": "UTC"},
        }
    )
    assert busy.ends_at == datetime(2026, 3, 4, 11, 30, tzinfo=UTC)
    assert not microsoft._busy_change({"id": "b2", "@removed": {"reason": "deleted"}}).busy
    assert not microsoft._busy_change(
        {
            "id": "b3",
            "showAs": "free",
            "start": {"dateTime": "2026-03-04T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-04T11:00:00", "timeZone": "UTC"},
        }
    ).busy


def test_graph_validation_handshake_and_notifications():
    adapter = microsoft.MicrosoftCalendarProvider()
    result = adapter.parse_webhook(headers={}, query={"validationToken": "abc"}, body=b"")
    assert result.handshake == "abc"
    result = adapter.parse_webhook(
        headers={},
        query={},
        body=b'{"value": [{"subscriptionId": "s1", "clientState": "c1", "changeType": "updated"}]}',
    )
    assert [(n.watch_id, n.secret) for n in result.notices] == [("s1", "c1")]
