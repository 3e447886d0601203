"""Invoice numbers: a pattern per organisation, and gapless sequences.

A number is ``pattern.format(prefix=…, date=…, seq=…)``; the default pattern
``{prefix}-{date:%Y%m%d}-{seq:04d}`` gives ``CT-20260301-0042`` (seed 004). Only the
three names ``prefix``, ``date`` (the issue date in the organisation's time zone) and
``seq`` may appear, without attribute or index access, and ``seq`` and ``prefix`` must
both appear: the date is decoration, ``seq`` is what makes a number unique. Sequences
never reset — ``seq`` keeps increasing across days and years — so two documents never
share a number, and the database backs that with a unique constraint.

Each (organisation, series) has one :class:`~.models.InvoiceSequence` row, whose next
``seq`` is taken under its lock in the transaction that writes the document: no gap and
no duplicate under concurrency (``services.sequences.sequence_next``). This module only
checks and formats; the models import it for their validators.
"""

from __future__ import annotations

import re
import string
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_PATTERN = "{prefix}-{date:%Y%m%d}-{seq:04d}"
PATTERN_FIELDS = frozenset({"prefix", "date", "seq"})
NUMBER_MAX_LENGTH = 50
#: What a formatted number may contain (it is also a file name and an XML id).
NUMBER_CHARACTERS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
PREFIX_CHARACTERS = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,11}")
_SAMPLE_DATE = date(2026, 12, 31)


def format_number(pattern: str, *, prefix: str, day: date, seq: int) -> str:
    return pattern.format(prefix=prefix, date=day, seq=seq)


def validate_prefix(value: str) -> None:
    if not PREFIX_CHARACTERS.fullmatch(value or ""):
        raise ValidationError(
            _("A prefix has 1 to 12 capital letters, digits, dashes or underscores."),
            code="invalid_prefix",
        )


def validate_number_pattern(pattern: str) -> None:
    """Refuse a pattern that could not give unique, safe numbers."""
    invalid = ValidationError(
        _(
            "The pattern may only use {prefix}, {date:…} and {seq:…}, and must contain "
            "{prefix} and {seq}, e.g. {prefix}-{date:%Y%m%d}-{seq:04d}."
        ),
        code="invalid_number_pattern",
    )
    try:
        parsed = list(string.Formatter().parse(pattern or ""))
    except ValueError:
        raise invalid
    names = [name for _, name, _, _ in parsed if name is not None]
    conversions = [conversion for _, name, _, conversion in parsed if name is not None]
    if (
        any(name not in PATTERN_FIELDS for name in names)
        or any(conversions)
        or names.count("seq") != 1
        or "prefix" not in names
    ):
        raise invalid
    try:
        samples = [
            format_number(pattern, prefix="FAC", day=_SAMPLE_DATE, seq=n) for n in (1, 123456)
        ]
    except (ValueError, TypeError, KeyError, IndexError):
        raise invalid
    for sample in samples:
        if len(sample) > NUMBER_MAX_LENGTH or not NUMBER_CHARACTERS.fullmatch(sample):
            raise ValidationError(
                _(
                    "Numbers made from this pattern must be at most 50 letters, digits, "
                    "dots, dashes, underscores or slashes."
                ),
                code="invalid_number_pattern",
            )
    if samples[0] == format_number(pattern, prefix="FAC", day=_SAMPLE_DATE, seq=2):
        raise invalid
