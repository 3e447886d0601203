"""One declarative state machine for the status field of a model.

An app declares its machine once, next to its services::

    BOOKINGS = StateMachine(
        transitions={PENDING: {CONFIRMED, CANCELLED}, CONFIRMED: {CANCELLED}},
        stamps={CONFIRMED: "confirmed_at", CANCELLED: "cancelled_at"},
        code=SchedulingError.INVALID_TRANSITION,  # the app's catalogue (its errors.py)
        message=lambda current, target: _("… %(from)s … %(to)s") % {...},
        record=booking_event_record,
    )

and every status change of its services goes through it::

    previous = BOOKINGS.move(booking, CONFIRMED, now=now, fields={"hold_expires_at": None},
                             action="confirmed", actor=actor)

Guarantees:

* **Only the table's moves.** ``transitions`` maps a status to the statuses it may
  become; a status missing from the table (or mapped to nothing) is final. A move the
  table does not list raises ``error`` (``Conflict``, HTTP 409, by default) with the
  machine's stable ``code`` and its ``message(current, target)``, computed when raised so
  it is in the request's language. A refused move changes nothing: no attribute is set,
  nothing is saved and no event is recorded.
* **Stamps.** A legal move sets the status field, then the time field ``stamps`` names
  for the target status (if any) to ``now``, then the caller's extra ``fields`` (so
  those may override a stamp). The fields to save are returned, sorted, with
  ``always_save`` (``updated_at`` by default, which ``auto_now`` refreshes).
* **One event per move.** :meth:`move` saves exactly those fields and then calls the
  ``record`` hook once with ``(obj, previous, target, now=now, **detail)``; each app keeps
  its own append-only event model and writes the row in its hook.

Not covered, on purpose: locking (the caller locks the row, ``select_for_update``, in its
own lock order before calling, and runs inside ``transaction.atomic``), side effects
(notifications, broadcasts: the caller queues them after the move, on commit), and any
rule beyond the table (deadlines, ownership, "only the current ticket"): the services
check those first, with their own codes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from teranga.core.errors import ApplicationError, Conflict, CoreError


class EventRecorder(Protocol):
    """The hook that appends an app's event row for one move."""

    def __call__(
        self, obj: Any, from_status: str, to_status: str, /, *, now: datetime, **detail: Any
    ) -> object: ...


@dataclass(frozen=True, kw_only=True)
class StateMachine:
    """A transition table for ``obj.<status_field>``, with stamps, a stable refusal code
    and an optional event hook (see the module docstring for the guarantees)."""

    #: status -> the statuses it may become (a missing status is final).
    transitions: Mapping[str, Collection[str]]
    #: status -> the time field a move into it stamps with ``now``.
    stamps: Mapping[str, str] = field(default_factory=dict)
    #: the stable code of the refusal (each app keeps its own).
    code: str = CoreError.ILLEGAL_TRANSITION
    #: the refusal's message, given ``(current, target)``; the error's default otherwise.
    message: Callable[[str, str], str] | None = None
    #: the error raised on a refused move.
    error: type[ApplicationError] = Conflict
    #: appends the app's event row after :meth:`move` has saved.
    record: EventRecorder | None = None
    status_field: str = "status"
    #: saved with every move.
    always_save: tuple[str, ...] = ("updated_at",)

    def __post_init__(self) -> None:
        table = {str(status): frozenset(map(str, to)) for status, to in self.transitions.items()}
        object.__setattr__(self, "transitions", table)
        object.__setattr__(self, "stamps", {str(k): v for k, v in self.stamps.items()})

    def allows(self, from_status: str, to_status: str) -> bool:
        """Whether the table lists ``from_status -> to_status``."""
        return to_status in self.transitions.get(from_status, frozenset())

    def check(self, obj: Any, to_status: str) -> None:
        """Raise the machine's error unless ``obj`` may move to ``to_status``."""
        current = getattr(obj, self.status_field)
        if not self.allows(current, to_status):
            message = self.message(current, to_status) if self.message is not None else None
            raise self.error(message, code=self.code)

    def transition(
        self,
        obj: Any,
        to_status: str,
        *,
        now: datetime,
        fields: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Check, then set the status, its stamp and ``fields`` on ``obj`` (in memory;
        nothing is saved or recorded). Returns the sorted names of the fields to save."""
        self.check(obj, to_status)
        setattr(obj, self.status_field, to_status)
        update = {self.status_field, *self.always_save}
        stamp = self.stamps.get(to_status)
        if stamp:
            setattr(obj, stamp, now)
            update.add(stamp)
        for name, value in (fields or {}).items():
            setattr(obj, name, value)
            update.add(name)
        return sorted(update)

    def move(
        self,
        obj: Any,
        to_status: str,
        *,
        now: datetime,
        fields: Mapping[str, Any] | None = None,
        **detail: Any,
    ) -> str:
        """:meth:`transition`, then ``obj.save(update_fields=…)``, then the ``record``
        hook once with ``detail``. Returns the status ``obj`` had before."""
        previous = getattr(obj, self.status_field)
        update = self.transition(obj, to_status, now=now, fields=fields)
        obj.save(update_fields=update)
        if self.record is not None:
            self.record(obj, previous, to_status, now=now, **detail)
        return previous
