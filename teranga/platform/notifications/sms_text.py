"""SMS text that fits: GSM-7 awareness for French and Wolof.

An SMS in the GSM 03.38 7-bit alphabet carries 160 characters, or 153 per part once
split (the rest of each part is the concatenation header); the extension characters
(``^ { } \\ [ ~ ] | €`` and form feed) take two. One character outside the alphabet
turns the whole message into UCS-2: 70 characters, 67 per part — a French SMS with one
"ê" costs more than twice as much. So :func:`sms_fit` first replaces what French and
Wolof text commonly has outside GSM-7 by its closest GSM-7 equivalent (ê→e, ë→e, ó→o,
œ→oe, « »→", ’→', –→-, …→..., non-breaking spaces→space), drops symbols such as emoji,
collapses whitespace, then cuts at a word boundary with "..." so the text fits.

é è à ù ì ò ñ ä ö ü å æ ø ß É Ä Ö Ñ Ü Å Æ Ø are GSM-7, and so is ç: code 0x09 is drawn
as "Ç" in the ETSI table, but Unicode's GSM 03.38 mapping (and handsets) read it as the
small ç, which is what French needs. Letters that have no Latin equivalent (Arabic
script, say) are kept: the message is then counted, and cut, as UCS-2.
"""

from __future__ import annotations

import unicodedata

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇç\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Sent as ESC + a character: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
ELLIPSIS = "..."

#: Characters with no (or no good) Unicode decomposition into GSM-7.
TRANSLITERATIONS = {
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "‹": "'", "›": "'", "`": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "•": "-", "·": "-",
    "…": ELLIPSIS,
    "œ": "oe", "Œ": "OE",
    "ŋ": "ng", "Ŋ": "Ng",
    "ð": "d", "Ð": "D", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th",
}


def _fold(char: str) -> str:
    """One character as GSM-7 text: itself, its transliteration, its letters without
    accents (NFKD), a space for any space, nothing for a symbol or control character,
    or itself when it is a letter or digit with no GSM-7 form (the text becomes UCS-2)."""
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in TRANSLITERATIONS:
        return TRANSLITERATIONS[char]
    category = unicodedata.category(char)
    if category.startswith("Z") or char in "\t\v":
        return " "
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    if decomposed and all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in decomposed):
        return decomposed
    if category[0] in "LN":
        return char
    return ""


def sms_transliterate(text: str) -> str:
    """``text`` with every character that has a close GSM-7 equivalent replaced by it."""
    return "".join(_fold(char) for char in str(text))


def gsm7_encodable(text: str) -> bool:
    """Whether ``text`` can be sent in the GSM-7 alphabet (with its extension table)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _units(text: str) -> tuple[list[int], int, int]:
    """Each character's size in the encoding ``text`` needs, and that encoding's
    capacities (one message, one part of a long message)."""
    if gsm7_encodable(text):
        return [2 if char in GSM7_EXTENSION else 1 for char in text], GSM7_SINGLE, GSM7_PART
    # UCS-2 counts UTF-16 code units: a character beyond the BMP takes two.
    return [2 if ord(char) > 0xFFFF else 1 for char in text], UCS2_SINGLE, UCS2_PART


def sms_segments(text: str) -> int:
    """How many SMS ``text`` is sent as (0 for an empty text). A long message is cut in
    parts that never split an escape sequence or a surrogate pair."""
    units, single, part = _units(text)
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def _collapse(text: str) -> str:
    """Runs of spaces become one; blank lines go; single line breaks stay."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def sms_fit(text: str, *, max_segments: int = 2) -> str:
    """``text`` made to fit in ``max_segments`` SMS: transliterated to GSM-7 where
    possible, whitespace collapsed, then — if still too long — cut at a word boundary
    and ended with "..."."""
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    fitted = _collapse(sms_transliterate(text))
    if sms_segments(fitted) <= max_segments:
        return fitted
    _sizes, single, part = _units(fitted)
    capacity = single if max_segments == 1 else part * max_segments
    # Each character takes at least one unit: no fitting cut is longer than this.
    cut = min(len(fitted), capacity - len(ELLIPSIS))
    while cut > 0 and sms_segments(fitted[:cut].rstrip() + ELLIPSIS) > max_segments:
        cut -= 1
    prefix = fitted[:cut]
    if cut < len(fitted) and not fitted[cut].isspace():
        # Mid-word: go back to the last space, unless that drops most of the text.
        boundary = max(prefix.rfind(" "), prefix.rfind("\n"))
        if boundary > cut // 2:
            prefix = prefix[:boundary]
    return prefix.rstrip(" \n,;:-") + ELLIPSIS
