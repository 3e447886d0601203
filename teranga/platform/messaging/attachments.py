"""Message attachments: images (JPEG, PNG, WebP, GIF) and PDF documents only, recognised
by their content — never by their name or declared type — and at most
``MAX_UPLOAD_BYTES`` each.

Images are decoded and written again by ``teranga.core.images.image_reencode`` (no
trailing data, no metadata, real extension); what is stored is that copy, never the
uploaded bytes. A PDF must start with the ``%PDF-1.x``/``%PDF-2.x`` header and end with
an ``%%EOF`` marker, and is stored as it came. The stored content type is the one found
here, and the display name takes the matching extension. Attachments are served only to
the conversation's participants (``…/attachments/{id}/``), as downloads with
``nosniff``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.core.images import CONTENT_TYPES, image_reencode
from teranga.platform.messaging.errors import MessagingError

MAX_ATTACHMENTS = 5
NAME_MAX_LENGTH = 200
PDF_TYPE = "application/pdf"
_PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")
_PDF_TAIL_BYTES = 2048


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


def _is_pdf(file, head: bytes, size: int) -> bool:
    if not _PDF_HEADER.match(head):
        return False
    tail = _read(file, max(0, size - _PDF_TAIL_BYTES), _PDF_TAIL_BYTES)
    return b"%%EOF" in tail


def _named(name: str, extension: str) -> str:
    """``name`` with ``extension`` (the content's) in place of the one the client gave."""
    stem = os.path.splitext(name)[0] or "attachment"
    return stem[: NAME_MAX_LENGTH - len(extension)] + extension


def attachment_check(file) -> CheckedUpload:
    """Accept ``file`` (an uploaded file) as an image or a PDF; ValidationFailed
    (``attachment_too_large``, ``invalid_attachment``) otherwise. An image comes back
    re-encoded (``file`` is then that copy), a PDF as it came."""
    size = getattr(file, "size", None)
    if size is None:
        raise _invalid(_("The file could not be read."), MessagingError.INVALID_ATTACHMENT)
    if size > settings.MAX_UPLOAD_BYTES:
        raise _invalid(_("The file is too large."), MessagingError.ATTACHMENT_TOO_LARGE)
    if size == 0:
        raise _invalid(_("The file is empty."), MessagingError.INVALID_ATTACHMENT)
    name = clean_name(getattr(file, "name", ""))
    try:
        head = _read(file, 0, 16)
        if head.startswith(b"%PDF-"):
            if not _is_pdf(file, head, size):
                raise _invalid(_("Upload a valid PDF document."), MessagingError.INVALID_ATTACHMENT)
            file.name = "attachment.pdf"  # stored under its real extension, whatever it was
            return CheckedUpload(
                file=file, name=_named(name, ".pdf"), content_type=PDF_TYPE, size=size
            )
        try:
            image = image_reencode(file, stem="attachment")
        except ValidationError as error:
            if error.code == "file_too_large":
                raise _invalid(
                    _("The file is too large."), MessagingError.ATTACHMENT_TOO_LARGE
                ) from None
            raise _invalid(
                _("Only images (JPEG, PNG, WebP, GIF) and PDF documents can be attached."),
                MessagingError.INVALID_ATTACHMENT,
            ) from None
    finally:
        file.seek(0)
    extension = os.path.splitext(image.name)[1]
    return CheckedUpload(
        file=image,
        name=_named(name, extension),
        content_type=CONTENT_TYPES[extension],
        size=image.size,
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
