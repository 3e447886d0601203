"""Whole-word matching of words and phrases, ignoring case and accents."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """``text`` without accents, case-folded, with runs of spaces as one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@functools.lru_cache(maxsize=64)
def words_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One regular expression matching any of ``words`` (folded) as whole words."""
    phrases = sorted({fold(word) for word in words if word and word.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    # Whole words: no word character right before or after the phrase; inner spaces
    # of a phrase match any run of whitespace.
    body = "|".join(r"\s+".join(re.escape(part) for part in p.split(" ")) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def find_word(text: str, words: Iterable[str]) -> str | None:
    """The first listed word or phrase found in ``text`` (folded), or None."""
    pattern = words_pattern(tuple(words))
    if pattern is None:
        return None
    match = pattern.search(fold(text))
    return match.group(0) if match else None
