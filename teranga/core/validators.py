"""Uploads are validated by their content, never by their name or declared type."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_IMAGE_PIXELS = 40_000_000


def validate_image_content(file) -> None:
    """Open the bytes with Pillow and accept only real JPEG, PNG, WebP or GIF images of a
    sane size. Raises Django's ValidationError with code ``invalid_image``."""
    size = getattr(file, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large."), code="file_too_large")
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Upload a valid image."), code="invalid_image")
    finally:
        if position is not None:
            file.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Unsupported image format."), code="invalid_image")
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(_("The image is too large."), code="invalid_image")


def parse_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (an id from a URL, a body or a
    provider's notification: never trusted to be well formed)."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
