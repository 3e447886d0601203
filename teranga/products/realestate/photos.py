"""A property photo as stored: the upload re-encoded by ``teranga.core.images`` (no
metadata, no trailing data, upright), and a thumbnail made from that clean copy (JPEG,
or PNG/WebP when the photo has transparency) at most ``THUMBNAIL_SIZE`` on a side."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from teranga.core.images import image_upload_clean

#: Width and height a thumbnail fits in (pixels).
THUMBNAIL_SIZE = (480, 360)


@dataclass(frozen=True)
class Photo:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def photo_prepare(upload, *, field: str, message: str, code) -> Photo:
    """The clean image and its thumbnail; 400 ``code`` (under ``fields.<field>``) when
    the upload is not an image we take."""
    image = image_upload_clean(upload, field=field, stem="photo", message=message, code=code)
    data = image.read()
    image.seek(0)
    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
        frame = opened.convert("RGBA") if opened.mode in {"RGBA", "LA", "P"} else opened
        small = ImageOps.contain(frame.convert(frame.mode), THUMBNAIL_SIZE)
        output = io.BytesIO()
        if small.mode == "RGBA":
            small.save(output, format="PNG", optimize=True)
            name = "thumb.png"
        else:
            small.convert("RGB").save(output, format="JPEG", quality=80, optimize=True)
            name = "thumb.jpg"
    return Photo(
        image=image, thumbnail=ContentFile(output.getvalue(), name=name), width=width, height=height
    )
