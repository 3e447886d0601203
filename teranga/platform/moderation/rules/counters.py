"""Rules that count in the Django cache (Redis at scale; in the embedded default the
local-memory cache, so each process counts on its own). Keys name the author's id only:
authors are signed in, so nobody can push someone else's counters. A text with no author
is not counted.

* **Rate** (code ``rate``): more than ``MODERATION_RATE_FLAG`` checked texts (20) by the
  same author in a minute flags, more than ``MODERATION_RATE_BLOCK`` (60) blocks.
* **Repeated content** (code ``repeated``): the same text (case, accents and spacing
  ignored) by the same author more than ``MODERATION_REPEAT_MAX`` times (3) within
  ``MODERATION_REPEAT_WINDOW_SECONDS`` (600) flags. Texts shorter than
  ``MODERATION_REPEAT_MIN_LENGTH`` (12 characters: "ok", "merci") are not counted.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from ..matching import fold
from ..verdicts import ALLOW, BLOCK, FLAG, ModerationContext, Verdict


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None else value


def count(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created with ``timeout`` seconds); its new value."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout)
        return 1


def rate_rule(text: str, context: ModerationContext) -> Verdict:
    author = context.author_id
    if author is None:
        return Verdict(ALLOW)
    minute = int(time.time() // 60)
    seen = count(f"moderation:rate:{author}:{minute}", 120)
    if seen > _setting("MODERATION_RATE_BLOCK", 60):
        return Verdict(BLOCK, f"{seen} texts in a minute", "rate")
    if seen > _setting("MODERATION_RATE_FLAG", 20):
        return Verdict(FLAG, f"{seen} texts in a minute", "rate")
    return Verdict(ALLOW)


def repeated_rule(text: str, context: ModerationContext) -> Verdict:
    author = context.author_id
    folded = fold(text)
    if author is None or len(folded) < _setting("MODERATION_REPEAT_MIN_LENGTH", 12):
        return Verdict(ALLOW)
    digest = hashlib.sha256(folded.encode()).hexdigest()[:32]
    window = _setting("MODERATION_REPEAT_WINDOW_SECONDS", 600)
    seen = count(f"moderation:repeat:{author}:{digest}", window)
    if seen > _setting("MODERATION_REPEAT_MAX", 3):
        return Verdict(FLAG, f"same text {seen} times", "repeated")
    return Verdict(ALLOW)
