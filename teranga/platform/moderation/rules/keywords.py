"""Word lists and regular expressions.

**Keywords** (code ``keyword``): words and phrases in French, English and Wolof, matched
as whole words ignoring case and accents (``arnaque`` matches ``ARNAQUE`` and
``arnaqué``, not ``arnaques``). Settings ``MODERATION_BLOCKED_WORDS`` and
``MODERATION_FLAGGED_WORDS`` (also environment variables, comma-separated) replace the
built-in lists below; the active staff terms (``ModerationTerm``, any language: people mix
them) are added to either.

**Patterns** (code ``pattern``): regular expressions, searched in the text with its
accents removed and ignoring case. ``MODERATION_BLOCKED_PATTERNS`` and
``MODERATION_FLAGGED_PATTERNS`` replace the built-in lists (by default: nothing blocked;
a phone number together with money-transfer words flagged); staff regex terms are added.
A payment card number (13 to 19 digits, spaces or dashes between, passing the Luhn check)
gets ``MODERATION_CARD_NUMBER_ACTION`` (``"block"`` by default; ``"flag"``, or None to
let it pass).
"""

from __future__ import annotations

import functools
import re

from django.conf import settings

from ..matching import find_word, fold
from ..terms import current_terms
from ..verdicts import ALLOW, BLOCK, FLAG, ModerationContext, Verdict

#: Insults refused outright (French, English, Wolof).
DEFAULT_BLOCKED_WORDS: tuple[str, ...] = (
    # French
    "connard",
    "connasse",
    "enculé",
    "fils de pute",
    "salope",
    "nique ta mère",
    "ta race",
    # English
    "fuck you",
    "motherfucker",
    "son of a bitch",
    # Wolof
    "doomu xaraam",
    "doomu araam",
    "doomu haram",
)
#: Signs of fraud, phishing or abuse: delivered, and shown to moderators.
DEFAULT_FLAGGED_WORDS: tuple[str, ...] = (
    # French: fraud and phishing, mobile-money scams
    "arnaque",
    "escroquerie",
    "mot de passe",
    "code otp",
    "code secret",
    "code pin",
    "code de vérification",
    "envoie le code",
    "envoie moi le code",
    "envoie-moi le code",
    "envoyez le code",
    "donne moi le code",
    "donne-moi le code",
    "transfert wave",
    "transfert orange money",
    "transfert free money",
    "envoyé par erreur",
    "transfert par erreur",
    "vous avez gagné",
    "frais de dossier",
    "western union",
    "moneygram",
    "gain garanti",
    "doublez votre argent",
    # English
    "scam",
    "password",
    "pin code",
    "verification code",
    "send me the code",
    "send the code",
    "sent by mistake",
    "you have won",
    "gift card",
    "guaranteed profit",
    "double your money",
    # Wolof: "send me the code", "give me the code", "send me money"
    "yónnee ma code bi",
    "yonne ma code bi",
    "yónnee ma kood bi",
    "jox ma code bi",
    "jox ma sa code",
    "yónnee ma xaalis",
    "yonne ma xaalis",
    # Wolof insults, shown to moderators ("you are a donkey / a dog", "rascal")
    "mbaam nga",
    "xaj nga",
    "saay saay",
)

#: A Senegalese mobile number (or any long international number) together with words of
#: a money transfer, in either order.
_PHONE = r"(?:\+|00)?(?:221[\s.-]?)?7[05-8](?:[\s.-]?\d){7}|\+\d(?:[\s.-]?\d){8,14}"
_MONEY = (
    r"wave|orange money|free money|wari|wizall|transfert|transfer|envoie|envoyer|send|"
    r"yonnee|yonne|xaalis|argent|money"
)
DEFAULT_FLAGGED_PATTERNS: tuple[str, ...] = (
    rf"^(?=[\s\S]*?(?<!\w)(?:{_MONEY})(?!\w))(?=[\s\S]*?(?<![\w+])(?:{_PHONE})(?!\d))",
)
DEFAULT_BLOCKED_PATTERNS: tuple[str, ...] = ()
#: How the reasons name the built-in patterns (others: the start of the expression).
_PATTERN_NAMES = {DEFAULT_FLAGGED_PATTERNS[0]: "phone number with money-transfer words"}

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def find_card_number(text: str) -> bool:
    """Whether ``text`` holds a payment card number (Luhn-checked)."""
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_valid(digits):
            return True
    return False


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None else value


@functools.lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns if p)


def _name(pattern: re.Pattern) -> str:
    return _PATTERN_NAMES.get(pattern.pattern) or pattern.pattern[:60]


def keyword_rule(text: str, context: ModerationContext) -> Verdict:
    """Block or flag on the word lists (settings or built-in, plus staff terms)."""
    terms = current_terms()
    blocked = (*_setting("MODERATION_BLOCKED_WORDS", DEFAULT_BLOCKED_WORDS), *terms.blocked_words)
    found = find_word(text, blocked)
    if found:
        return Verdict(BLOCK, f"blocked word: {found}", "keyword")
    flagged = (*_setting("MODERATION_FLAGGED_WORDS", DEFAULT_FLAGGED_WORDS), *terms.flagged_words)
    found = find_word(text, flagged)
    if found:
        return Verdict(FLAG, f"flagged word: {found}", "keyword")
    return Verdict(ALLOW)


def pattern_rule(text: str, context: ModerationContext) -> Verdict:
    """Block or flag on the regular expressions and on card numbers."""
    terms = current_terms()
    folded = fold(text)
    card_action = _setting("MODERATION_CARD_NUMBER_ACTION", BLOCK)
    if card_action in (BLOCK, FLAG) and find_card_number(text):
        return Verdict(card_action, "payment card number", "pattern")
    blocked = (
        *_compiled(tuple(_setting("MODERATION_BLOCKED_PATTERNS", DEFAULT_BLOCKED_PATTERNS))),
        *terms.blocked_patterns,
    )
    for pattern in blocked:
        if pattern.search(folded):
            return Verdict(BLOCK, f"blocked pattern: {_name(pattern)}", "pattern")
    flagged = (
        *_compiled(tuple(_setting("MODERATION_FLAGGED_PATTERNS", DEFAULT_FLAGGED_PATTERNS))),
        *terms.flagged_patterns,
    )
    for pattern in flagged:
        if pattern.search(folded):
            return Verdict(FLAG, f"flagged pattern: {_name(pattern)}", "pattern")
    return Verdict(ALLOW)
