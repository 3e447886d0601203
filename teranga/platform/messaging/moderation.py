"""Moderation of chat messages: a registry of functions that allow, flag or block a text.

A moderation function is called as ``function(text, *, conversation, sender)`` and
returns a :class:`Verdict`. Every registered function runs on every new or edited
message (in name order); the most severe verdict wins (``block`` > ``flag`` >
``allow``):

* ``block``: the message is refused (400 ``message_blocked``) and nothing is stored;
* ``flag``: the message is stored and delivered, marked ``flagged`` with the reason, and
  staff review it in the admin (Messages, filtered by moderation);
* ``allow``: nothing to say.

The first function is a keyword list (:func:`keyword_moderation`): settings
``MODERATION_BLOCKED_WORDS`` and ``MODERATION_FLAGGED_WORDS`` (words or phrases),
matched as whole words, ignoring case and accents (``arnaque`` matches ``ARNAQUE`` and
``arnaqué``, not ``arnaques``). Products declare more in their contract::

    moderation_functions={"clinic.links": lambda text, **kw: Verdict("allow")}
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings

from teranga.core.registry import Registry

ALLOW = "allow"
FLAG = "flag"
BLOCK = "block"
_SEVERITY = {ALLOW: 0, FLAG: 1, BLOCK: 2}

#: Insults refused outright (French, English). Override with MODERATION_BLOCKED_WORDS.
DEFAULT_BLOCKED_WORDS: tuple[str, ...] = (
    "connard",
    "connasse",
    "enculé",
    "fils de pute",
    "salope",
    "fuck you",
    "motherfucker",
)
#: Signs of fraud or phishing, delivered but shown to staff. Override with
#: MODERATION_FLAGGED_WORDS.
DEFAULT_FLAGGED_WORDS: tuple[str, ...] = (
    "arnaque",
    "escroquerie",
    "scam",
    "mot de passe",
    "password",
    "code otp",
    "code de vérification",
    "western union",
    "moneygram",
    "gain garanti",
    "guaranteed profit",
)


@dataclass(frozen=True)
class Verdict:
    action: str = ALLOW
    reason: str = ""

    def __post_init__(self) -> None:
        if self.action not in _SEVERITY:
            raise ValueError(f"unknown moderation action {self.action!r}")

    @property
    def blocked(self) -> bool:
        return self.action == BLOCK

    @property
    def flagged(self) -> bool:
        return self.action == FLAG


ModerationFunction = Callable[..., Verdict]

moderation_functions: Registry[ModerationFunction] = Registry("moderation function")


def fold(text: str) -> str:
    """``text`` without accents, case-folded, with runs of spaces as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@functools.lru_cache(maxsize=16)
def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    phrases = sorted({fold(word) for word in words if word and word.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    # Whole words: no word character right before or after the phrase; inner spaces
    # of a phrase match any run of whitespace.
    body = "|".join(r"\s+".join(re.escape(part) for part in p.split(" ")) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def find_word(text: str, words: Iterable[str]) -> str | None:
    """The first listed word or phrase found in ``text`` (folded), or None."""
    pattern = _pattern(tuple(words))
    if pattern is None:
        return None
    match = pattern.search(fold(text))
    return match.group(0) if match else None


def keyword_moderation(text: str, *, conversation=None, sender=None) -> Verdict:
    """Block or flag on the configured word lists."""
    blocked = getattr(settings, "MODERATION_BLOCKED_WORDS", DEFAULT_BLOCKED_WORDS)
    found = find_word(text, blocked)
    if found:
        return Verdict(BLOCK, f"blocked word: {found}")
    flagged = getattr(settings, "MODERATION_FLAGGED_WORDS", DEFAULT_FLAGGED_WORDS)
    found = find_word(text, flagged)
    if found:
        return Verdict(FLAG, f"flagged word: {found}")
    return Verdict(ALLOW)


moderation_functions.register("keywords", keyword_moderation)


def moderate(text: str, *, conversation, sender) -> Verdict:
    """Run every registered function; the most severe verdict (the first of equals)."""
    verdict = Verdict(ALLOW)
    if not text:
        return verdict
    for name in moderation_functions.names():
        result = moderation_functions.get(name)(text, conversation=conversation, sender=sender)
        if _SEVERITY[result.action] > _SEVERITY[verdict.action]:
            verdict = result
            if verdict.blocked:
                break
    return verdict
