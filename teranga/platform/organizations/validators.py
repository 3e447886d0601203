"""Light format checks for legal identifiers, time zones and verification documents."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from teranga.core.validators import validate_image_content

PDF_MAGIC = b"%PDF-"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """French SIRET: 14 digits passing the Luhn check (La Poste's SIRET are tolerated)."""
    if not re.fullmatch(r"\d{14}", value or ""):
        raise ValidationError(_("A SIRET has 14 digits."), code="invalid_siret")
    # La Poste (SIREN 356000000) establishments use a digit-sum rule instead of Luhn.
    if value.startswith("356000000"):
        if sum(int(c) for c in value) % 5 != 0:
            raise ValidationError(_("This SIRET is not valid."), code="invalid_siret")
        return
    if not _luhn_ok(value):
        raise ValidationError(_("This SIRET is not valid."), code="invalid_siret")


def validate_tva_number(value: str) -> None:
    """French intra-EU VAT number: FR + 2-character key + 9-digit SIREN."""
    if not re.fullmatch(r"FR[0-9A-HJ-NP-Z]{2}\d{9}", value or ""):
        raise ValidationError(
            _("A French VAT number looks like FR12345678901."), code="invalid_tva_number"
        )


def validate_ninea(value: str) -> None:
    """Senegalese NINEA: 7 to 9 digits, optionally followed by the 3-character COFI code."""
    if not re.fullmatch(r"\d{7,9}( ?\d[A-Z]\d)?", value or ""):
        raise ValidationError(_("A NINEA is made of 7 to 9 digits."), code="invalid_ninea")


def validate_rccm(value: str) -> None:
    """Senegalese trade register number, e.g. SN-DKR-2015-B-12345 (separators free)."""
    if not re.fullmatch(r"SN[-. ]?[A-Z]{3}[-. ]?\d{4}[-. ]?[A-Z][-. ]?\d{1,7}", value or ""):
        raise ValidationError(_("An RCCM looks like SN-DKR-2015-B-12345."), code="invalid_rccm")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="invalid_time_zone")


def validate_document_content(file) -> None:
    """A verification document is a PDF (by its magic bytes) or a real image."""
    size = getattr(file, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large."), code="file_too_large")
    if size == 0:
        raise ValidationError(_("The file is empty."), code="invalid_document")
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        head = file.read(1024)
    finally:
        if position is not None:
            file.seek(position)
    if isinstance(head, str):  # pragma: no cover - text-mode files are not uploads
        head = head.encode()
    if head.lstrip(b"\r\n\t \x00\xef\xbb\xbf")[:5] == PDF_MAGIC:
        return
    try:
        validate_image_content(file)
    except ValidationError:
        raise ValidationError(
            _("Upload a PDF document or an image (JPEG, PNG, WebP)."), code="invalid_document"
        )
