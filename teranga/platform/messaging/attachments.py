"""Message attachments: images (JPEG, PNG, WebP, GIF) and PDF documents only, recognised
by their content — never by their name or declared type — and at most
``MAX_UPLOAD_BYTES`` each.

Images are checked by ``teranga.core.validators.validate_image_content`` (Pillow opens
and verifies them); a PDF must start with the ``%PDF-1.x``/``%PDF-2.x`` header and end
with an ``%%EOF`` marker. The stored content type is the one found here. Attachments are
served only to the conversation's participants (``…/attachments/{id}/``), as downloads
with ``nosniff``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.core.validators import validate_image_content
from teranga.platform.messaging.errors import MessagingError

MAX_ATTACHMENTS = 5
NAME_MAX_LENGTH = 200
PDF_TYPE = "application/pdf"
_PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")
_PDF_TAIL_BYTES = 2048
#: Image signatures, checked only once Pillow has accepted the file as an image.
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class CheckedUpload:
    file: object
    name: str
    content_type: str
    size: int


def _invalid(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"attachments": [message]})


def clean_name(name: str) -> str:
    """A display name: the last path part, without control characters, bounded."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = "".join(c for c in base if c.isprintable()).strip()
    return (base or "attachment")[-NAME_MAX_LENGTH:]


def _read(file, start: int, length: int) -> bytes:
    file.seek(start)
    return file.read(length)


def _image_type(head: bytes) -> str | None:
    for signature, content_type in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _is_pdf(file, head: bytes, size: int) -> bool:
    if not _PDF_HEADER.match(head):
        return False
    tail = _read(file, max(0, size - _PDF_TAIL_BYTES), _PDF_TAIL_BYTES)
    return b"%%EOF" in tail


def attachment_check(file) -> CheckedUpload:
    """Accept ``file`` (an uploaded file) as an image or a PDF; ValidationFailed
    (``attachment_too_large``, ``invalid_attachment``) otherwise."""
    size = getattr(file, "size", None)
    if size is None:
        raise _invalid(_("The file could not be read."), MessagingError.INVALID_ATTACHMENT)
    if size > settings.MAX_UPLOAD_BYTES:
        raise _invalid(_("The file is too large."), MessagingError.ATTACHMENT_TOO_LARGE)
    if size == 0:
        raise _invalid(_("The file is empty."), MessagingError.INVALID_ATTACHMENT)
    try:
        head = _read(file, 0, 16)
        if head.startswith(b"%PDF-"):
            if not _is_pdf(file, head, size):
                raise _invalid(_("Upload a valid PDF document."), MessagingError.INVALID_ATTACHMENT)
            content_type = PDF_TYPE
        else:
            try:
                validate_image_content(file)
            except ValidationError:
                raise _invalid(
                    _("Only images (JPEG, PNG, WebP, GIF) and PDF documents can be attached."),
                    MessagingError.INVALID_ATTACHMENT,
                ) from None
            content_type = _image_type(head)
            if content_type is None:  # an image Pillow reads but we do not serve
                raise _invalid(_("Unsupported image format."), MessagingError.INVALID_ATTACHMENT)
    finally:
        file.seek(0)
    return CheckedUpload(
        file=file, name=clean_name(getattr(file, "name", "")), content_type=content_type, size=size
    )


def attachments_check(files) -> list[CheckedUpload]:
    files = list(files or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("At most %(count)d files per message.") % {"count": MAX_ATTACHMENTS},
            code=MessagingError.TOO_MANY_ATTACHMENTS,
            fields={"attachments": [_("Too many files.")]},
        )
    return [attachment_check(file) for file in files]
