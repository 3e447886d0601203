"""Uploads are validated by their content, never by their name or declared type."""

from __future__ import annotations

import uuid

from teranga.core.images import image_check


def validate_image_content(file) -> None:
    """Accept only real JPEG, PNG, WebP or GIF images of a sane size, checked from their
    header before anything is decoded (``teranga.core.images``). Raises Django's
    ValidationError with code ``invalid_image`` (or ``file_too_large``).

    This only checks: every upload path stores the result of
    ``teranga.core.images.image_reencode``, never the uploaded bytes."""
    image_check(file)


def parse_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (an id from a URL, a body or a
    provider's notification: never trusted to be well formed)."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
