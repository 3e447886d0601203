"""What a rule answers (:class:`Verdict`) and what it is told (:class:`ModerationContext`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALLOW = "allow"
FLAG = "flag"
BLOCK = "block"
SEVERITY = {ALLOW: 0, FLAG: 1, BLOCK: 2}


@dataclass(frozen=True)
class Verdict:
    """``action``: allow, flag or block; ``reason``: short, for staff (English, code-like);
    ``code``: the machine reason (``keyword``, ``pattern``, ``links``, ``spam``,
    ``repeated``, ``rate``, ``classifier`` or a product's own). ``reasons``: every
    non-allow verdict that led to this one (``{"code", "reason"}``), set by ``check``."""

    action: str = ALLOW
    reason: str = ""
    code: str = ""
    reasons: tuple[dict[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.action not in SEVERITY:
            raise ValueError(f"unknown moderation action {self.action!r}")

    @property
    def blocked(self) -> bool:
        return self.action == BLOCK

    @property
    def flagged(self) -> bool:
        return self.action == FLAG

    @property
    def allowed(self) -> bool:
        return self.action == ALLOW

    def reason_list(self) -> list[dict[str, str]]:
        """The reasons as stored on a case: every contributing verdict, or this one."""
        if self.reasons:
            return [dict(item) for item in self.reasons]
        if self.allowed:
            return []
        return [{"code": self.code or "rule", "reason": self.reason}]


@dataclass(frozen=True)
class ModerationContext:
    """What a rule knows of a text: its ``kind`` (a registered content kind such as
    ``"messaging.message"``), its ``author`` (a user, or None), the ``organization`` it is
    published in (or None), and an opaque ``scope`` (``"clinic.room:42"``)."""

    kind: str
    author: Any = None
    organization: Any = None
    scope: str = ""

    @property
    def author_id(self) -> str | None:
        pk = getattr(self.author, "pk", None)
        return str(pk) if pk is not None else None
