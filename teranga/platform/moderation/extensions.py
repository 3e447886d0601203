"""Moderation's extension points, filled by products through the product contract.

* :data:`moderation_rules`: ``rule(text, context) -> Verdict`` (``verdicts``), run by
  ``services.check`` on every checked text, in registration order: the built-in ones
  (``moderation.*``) first, then the products' (``<label>.*``, contract field
  ``moderation_rules``).
* :data:`moderation_kinds`: what can be moderated, as :class:`ModerationKind` by name
  (``"messaging.message"``, ``"<label>.…"``; contract field ``moderation_kinds``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from teranga.core.registry import Registry

from .verdicts import ALLOW, BLOCK, FLAG, ModerationContext, Verdict

ModerationRule = Callable[[str, ModerationContext], Verdict]


@dataclass(frozen=True)
class ModerationKind:
    """A kind of content that can be moderated.

    * ``label``: its name for people (lazily translated);
    * ``moderators_q(user)``: a ``Q`` over ``ModerationCase`` selecting the cases of this
      kind ``user`` may moderate (besides platform staff, who moderate everything), or
      None when they moderate none. It is combined with ``kind=<name>`` by the platform;
    * ``on_remove(object_id)``: hides or deletes the object; called inside the
      transaction that decides the case (a database write, rolled back with it);
    * ``on_restore(object_id)``: optional, called when a case is approved (a flagged
      object shown again);
    * ``link(object_id)``: optional, a page that shows the object (``teranga.core.links``).
    """

    label: Any
    moderators_q: Callable[[Any], Q | None]
    on_remove: Callable[[str], None]
    on_restore: Callable[[str], None] | None = None
    link: Callable[[str], str] | None = None


moderation_rules: Registry[ModerationRule] = Registry("moderation rule")
moderation_kinds: Registry[ModerationKind] = Registry("moderation kind")


def kind_of(name: str) -> ModerationKind | None:
    """The registered kind ``name``, or None (a case of a kind no longer installed)."""
    return moderation_kinds.get(name) if name in moderation_kinds else None


__all__ = [
    "ALLOW",
    "BLOCK",
    "FLAG",
    "ModerationContext",
    "ModerationKind",
    "ModerationRule",
    "Verdict",
    "kind_of",
    "moderation_kinds",
    "moderation_rules",
]
