"""The core state machine: legal moves set the status, stamp and save the right fields and
record one event; an illegal move raises the configured error and code and changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from teranga.core.errors import Conflict, Gone
from teranga.core.state_machine import StateMachine

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


class Thing:
    """A stand-in for a model: a status, time fields, and a ``save`` that remembers."""

    def __init__(self, status: str = "draft") -> None:
        self.status = status
        self.state = status
        self.published_at = None
        self.archived_at = None
        self.note = ""
        self.saves: list[list[str]] = []

    def save(self, *, update_fields: list[str]) -> None:
        self.saves.append(update_fields)

    def snapshot(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "saves"} | {"saves": list(self.saves)}


TABLE = {
    "draft": {"published", "archived"},
    "published": {"published", "archived"},  # a republish stamps again
    "archived": set(),
}
STAMPS = {"published": "published_at", "archived": "archived_at"}


def machine(**options) -> StateMachine:
    return StateMachine(transitions=TABLE, stamps=STAMPS, **options)


@pytest.mark.parametrize(
    ("source", "target"),
    # sorted: the targets are sets, and pytest-xdist's workers must collect one order
    [(a, b) for a, targets in TABLE.items() for b in sorted(targets)],
)
def test_every_legal_move_sets_stamps_and_lists_the_fields(source, target):
    thing = Thing(source)
    fields = machine().transition(thing, target, now=NOW)
    assert thing.status == target
    assert getattr(thing, STAMPS[target]) == NOW
    assert fields == sorted({"status", "updated_at", STAMPS[target]})
    assert thing.saves == []  # transition() only changes the object in memory


def test_allows_reads_the_table_and_a_missing_status_is_final():
    sm = StateMachine(transitions={"a": {"b"}})
    assert sm.allows("a", "b")
    assert not sm.allows("b", "a")
    assert not sm.allows("unknown", "a")


def test_extra_fields_are_set_and_saved_and_may_override_the_stamp():
    thing = Thing()
    later = datetime(2025, 3, 2, tzinfo=UTC)
    fields = machine().transition(
        thing, "published", now=NOW, fields={"note": "ok", "published_at": later}
    )
    assert (thing.note, thing.published_at) == ("ok", later)
    assert fields == ["note", "published_at", "status", "updated_at"]


def test_a_status_without_stamp_stamps_nothing():
    thing = Thing()
    fields = StateMachine(transitions=TABLE).transition(thing, "published", now=NOW)
    assert thing.published_at is None
    assert fields == ["status", "updated_at"]


@pytest.mark.parametrize(
    ("source", "target"),
    [("draft", "draft"), ("archived", "published"), ("archived", "archived"), ("draft", "nope")],
)
def test_an_illegal_move_raises_the_default_code_and_changes_nothing(source, target):
    recorded = []
    thing = Thing(source)
    before = thing.snapshot()
    with pytest.raises(Conflict) as refused:
        machine(record=lambda *args, **kwargs: recorded.append(args)).move(
            thing, target, now=NOW, action="x"
        )
    assert (refused.value.code, refused.value.status_code) == ("illegal_transition", 409)
    assert refused.value.message  # the Conflict's default message
    assert thing.snapshot() == before
    assert recorded == []


def test_the_code_message_and_error_are_the_apps():
    sm = machine(
        code="invalid_transition",
        message=lambda current, target: f"{current} cannot become {target}",
    )
    with pytest.raises(Conflict) as refused:
        sm.check(Thing("archived"), "draft")
    assert (refused.value.code, refused.value.message) == (
        "invalid_transition",
        "archived cannot become draft",
    )
    with pytest.raises(Gone) as gone:
        machine(error=Gone, code="too_late").check(Thing("archived"), "draft")
    assert (gone.value.code, gone.value.status_code) == ("too_late", 410)


def test_move_saves_once_then_records_one_event_with_the_detail():
    calls = []

    def record(obj, from_status, to_status, *, now, **detail):
        calls.append((obj.saves[:], from_status, to_status, now, detail))

    thing = Thing()
    previous = machine(record=record).move(
        thing, "archived", now=NOW, fields={"note": "bye"}, action="archive", actor=None
    )
    assert previous == "draft"
    assert thing.saves == [["archived_at", "note", "status", "updated_at"]]
    # The hook runs once, after the save, with what it needs to write the event row.
    assert calls == [
        (
            [["archived_at", "note", "status", "updated_at"]],
            "draft",
            "archived",
            NOW,
            {"action": "archive", "actor": None},
        )
    ]


def test_move_without_a_hook_only_saves():
    thing = Thing("published")
    assert machine().move(thing, "published", now=NOW) == "published"
    assert thing.saves == [["published_at", "status", "updated_at"]]


def test_another_status_field_and_always_saved_fields():
    thing = Thing()
    sm = StateMachine(
        transitions={"draft": {"published"}}, status_field="state", always_save=("modified",)
    )
    assert sm.transition(thing, "published", now=NOW) == ["modified", "state"]
    assert (thing.state, thing.status) == ("published", "draft")


def test_the_table_is_frozen():
    table = {"a": {"b"}}
    sm = StateMachine(transitions=table)
    table["a"].add("c")
    assert not sm.allows("a", "c")
    assert sm.transitions["a"] == frozenset({"b"})
