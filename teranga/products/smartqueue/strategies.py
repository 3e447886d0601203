"""The three calling strategies, as pure functions over (class, order time) pairs.

* **FIFO**: the earliest order time first, whatever the class.
* **Strict priority**: by class rank (VIP, then priority and appointment, then express
  and normal), earliest first within a rank.
* **Mixed (weighted)**: smooth weighted round-robin over the classes that have someone
  waiting (the algorithm nginx uses for upstream weights): each pick, every waiting
  class gains its weight, the class with the most credit is called and loses the sum of
  the weights. With priority 2 and normal 1 the calls go P, N, P, P, N, P … — two
  priority tickets for each normal one, interleaved rather than in bursts, and no class
  starves. The credits (``rotation``) are kept on the counter (across its queues) so
  the ratio holds across calls. Ties go to the lower class rank.

:func:`pick_class` says which class a counter calls next; :func:`order` ranks a whole
waiting list the same way (the positions clients see), and :func:`weighted_position`
gives one ticket's rank under the mixed strategy from the numbers waiting per class
alone, without the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import CLASS_RANK, Strategy

DEFAULT_WEIGHT = 1


@dataclass(frozen=True, slots=True)
class Waiting:
    key: Any  # the ticket's id (or anything the caller wants back)
    ticket_class: str
    sort_at: datetime
    created_at: datetime | None = None

    @property
    def fifo_key(self) -> tuple:
        return (self.sort_at, self.created_at or self.sort_at)

    @property
    def priority_key(self) -> tuple:
        return (CLASS_RANK.get(self.ticket_class, 9), *self.fifo_key)


def weight_of(weights: dict | None, ticket_class: str) -> int:
    try:
        value = int((weights or {}).get(ticket_class, DEFAULT_WEIGHT))
    except (TypeError, ValueError):
        value = DEFAULT_WEIGHT
    return max(value, 1)


def pick_class(
    classes: Iterable[str], strategy: str, weights: dict | None, rotation: dict | None
) -> tuple[str | None, dict]:
    """The class to call next among ``classes`` (those with someone waiting), and the
    new rotation state. ``None`` for FIFO (the order time alone decides)."""
    present = sorted(set(classes), key=lambda c: (CLASS_RANK.get(c, 9), c))
    rotation = dict(rotation or {})
    if not present:
        return None, rotation
    if strategy == Strategy.PRIORITY:
        return present[0], rotation
    if strategy != Strategy.WEIGHTED:
        return None, rotation
    total = 0
    for cls in present:
        weight = weight_of(weights, cls)
        rotation[cls] = int(rotation.get(cls, 0)) + weight
        total += weight
    chosen = max(present, key=lambda c: (rotation[c], -CLASS_RANK.get(c, 9)))
    rotation[chosen] -= total
    # Classes with nobody waiting keep no credit: an empty class must not bank turns.
    rotation = {cls: value for cls, value in rotation.items() if cls in present}
    return chosen, rotation


def order(
    waiting: Sequence[Waiting], strategy: str, weights: dict | None, rotation: dict | None = None
) -> list[Waiting]:
    """``waiting`` in the order the strategy would call it (one counter, no arrivals)."""
    if strategy == Strategy.FIFO:
        return sorted(waiting, key=lambda w: w.fifo_key)
    if strategy == Strategy.PRIORITY:
        return sorted(waiting, key=lambda w: w.priority_key)
    by_class: dict[str, list[Waiting]] = {}
    for item in sorted(waiting, key=lambda w: w.fifo_key):
        by_class.setdefault(item.ticket_class, []).append(item)
    result: list[Waiting] = []
    state = dict(rotation or {})
    while by_class:
        chosen, state = pick_class(by_class.keys(), strategy, weights, state)
        queue = by_class[chosen]
        result.append(queue.pop(0))
        if not queue:
            del by_class[chosen]
    return result


def weighted_position(
    index: int, ticket_class: str, counts: dict[str, int], weights: dict | None
) -> int:
    """The 1-based position, under the mixed strategy, of the ticket that is ``index``-th
    (0-based, by order time) of its class when ``counts`` (class -> number waiting) wait:
    the rank :func:`order` gives it, from the counts alone. 0 if there is no such ticket.

    The round-robin is simulated pick by pick, but its credits repeat with a short
    period (the sum of the weights, while the same classes wait): once a state repeats,
    whole periods are skipped at once, up to the next class that runs out or the
    ticket's own turn. The work depends on the weights and the number of classes, not on
    the number waiting."""
    remaining = {cls: int(n) for cls, n in counts.items() if int(n) > 0}
    if index < 0 or remaining.get(ticket_class, 0) <= index:
        return 0
    needed = index + 1  # picks of the ticket's class, its own included
    taken: dict[str, int] = dict.fromkeys(remaining, 0)
    state: dict = {}
    position = 0
    seen: dict[tuple, tuple[int, dict[str, int]]] = {}
    while True:
        signature = tuple(sorted(state.items()))
        if signature in seen:
            then, taken_then = seen.pop(signature)
            period = position - then
            step = {cls: taken[cls] - taken_then.get(cls, 0) for cls in remaining}
            # Skip whole periods while every class keeps one ticket and the turn is ahead.
            skips = (needed - 1) // step[ticket_class] if step[ticket_class] else 0
            for cls, n in step.items():
                if n:
                    skips = min(skips, (remaining[cls] - 1) // n)
            if skips > 0:
                position += skips * period
                needed -= skips * step[ticket_class]
                for cls, n in step.items():
                    remaining[cls] -= skips * n
                    taken[cls] += skips * n
            seen.clear()
        seen[signature] = (position, dict(taken))
        chosen, state = pick_class(remaining.keys(), Strategy.WEIGHTED, weights, state)
        position += 1
        taken[chosen] += 1
        if chosen == ticket_class:
            needed -= 1
            if needed == 0:
                return position
        remaining[chosen] -= 1
        if remaining[chosen] == 0:
            del remaining[chosen]
            seen.clear()  # other classes wait now: another cycle
