"""Spam heuristics (code ``spam``), flagged:

* a run of one character repeated more than ``MODERATION_MAX_CHAR_RUN`` times (12);
* a long text mostly in capitals: at least ``MODERATION_CAPS_MIN_LETTERS`` letters (24)
  of which more than ``MODERATION_CAPS_RATIO`` (0.8) are upper case;
* more than ``MODERATION_MAX_EMOJI`` emoji (15).
"""

from __future__ import annotations

import re

from django.conf import settings

from ..verdicts import ALLOW, FLAG, ModerationContext, Verdict

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b00-\U00002bff]"
)


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None else value


def spam_rule(text: str, context: ModerationContext) -> Verdict:
    run = _setting("MODERATION_MAX_CHAR_RUN", 12)
    if re.search(rf"(\S)\1{{{run},}}", text):
        return Verdict(FLAG, "repeated characters", "spam")
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= _setting("MODERATION_CAPS_MIN_LETTERS", 24):
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) > _setting("MODERATION_CAPS_RATIO", 0.8):
            return Verdict(FLAG, "mostly capitals", "spam")
    if len(_EMOJI.findall(text)) > _setting("MODERATION_MAX_EMOJI", 15):
        return Verdict(FLAG, "emoji flood", "spam")
    return Verdict(ALLOW)
