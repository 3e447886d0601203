"""Every uploaded image goes through :func:`image_reencode` before it is stored.

An upload is never stored byte for byte: a valid PNG followed by HTML and script, a JPEG
carrying the GPS position of the phone that took it, or a file whose header declares a
50,000 × 50,000 canvas (a decompression bomb) all come in as "images". Pillow decodes
the pixels and writes a new file in the same format (JPEG, PNG, WebP, or GIF with its
animation), so that:

* nothing after the image's end (trailing data) and no metadata (EXIF with GPS, XMP,
  comments, text chunks, ICC profiles) survives: only the pixels, a palette's
  transparency, and an animation's timing are carried over;
* the EXIF orientation is applied to the pixels first, so a photo still stands upright;
* the size the header declares is checked *before* any pixel is decoded (Pillow's
  ``Image.open`` reads only the header), against our own caps on pixels, on each side
  and on the frames of an animation; Pillow's ``MAX_IMAGE_PIXELS`` is a second guard;
* the file is named with the extension of its real format (``.jpg``, ``.png``,
  ``.webp``, ``.gif``), whatever the client called it.

Failures raise Django's ``ValidationError`` with the codes the upload endpoints already
document: ``invalid_image`` and ``file_too_large``.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

#: The formats we accept, with the extension and content type we store them under.
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "GIF": (".gif", "image/gif"),
}
ALLOWED_IMAGE_FORMATS = frozenset(IMAGE_FORMATS)
#: Content type by stored extension (what a stored image is served as).
CONTENT_TYPES: dict[str, str] = dict(IMAGE_FORMATS.values())
#: Pixels of one frame (a 40 MP photo is larger than any phone's default).
MAX_IMAGE_PIXELS = 40_000_000
#: Width or height (WebP cannot encode more than 16,383 on a side).
MAX_IMAGE_SIDE = 16_000
#: Frames of an animation, and their pixels all together (decoded frames stay in memory
#: until the animation is written again).
MAX_FRAMES = 300
MAX_ANIMATION_PIXELS = MAX_IMAGE_PIXELS

JPEG_QUALITY = 88
WEBP_QUALITY = 85

_SRGB = ImageCms.createProfile("sRGB")
#: What each writer accepts as is; any other mode is converted first.
_WRITABLE_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
    "GIF": {"1", "L", "P", "RGB", "RGBA"},
}
#: Pillow's failures on hostile or broken input.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    MemoryError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_image")


def _read_upload(file) -> bytes:
    """The upload's bytes, refusing more than ``MAX_UPLOAD_BYTES`` without reading more."""
    limit = settings.MAX_UPLOAD_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_("The file is too large."), code="file_too_large")
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        data = file.read(limit + 1)
    finally:
        if position is not None:
            file.seek(position)
    if isinstance(data, str):  # pragma: no cover - text-mode files are not uploads
        data = data.encode()
    if len(data) > limit:
        raise ValidationError(_("The file is too large."), code="file_too_large")
    if not data:
        raise _invalid(_("Upload a valid image."))
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Open ``data`` (header only, nothing decoded) and check the declared format, size
    and frame count against our caps."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than refuses) between its limit and twice it: refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_IMAGE_FORMATS))
            image_format = image.format
            width, height = image.size
    except _DECODE_ERRORS:
        raise _invalid(_("Upload a valid image.")) from None
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise _invalid(_("Unsupported image format."))
    if (
        width < 1
        or height < 1
        or width > MAX_IMAGE_SIDE
        or height > MAX_IMAGE_SIDE
        or width * height > MAX_IMAGE_PIXELS
    ):
        raise _invalid(_("The image is too large."))
    try:
        frames = getattr(image, "n_frames", 1)  # parses frame headers, decodes nothing
    except _DECODE_ERRORS:
        raise _invalid(_("Upload a valid image.")) from None
    if frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
        raise _invalid(_("The image is too large."))
    return image


def image_check(file) -> str:
    """Check ``file`` as :func:`image_reencode` does, without decoding or writing
    anything; returns its format (``"PNG"``…). The model fields' validator."""
    data = _read_upload(file)
    image = _open_checked(data)
    try:
        image.verify()
    except _DECODE_ERRORS:
        raise _invalid(_("Upload a valid image.")) from None
    return image.format


def _to_srgb(frame: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The pixels in sRGB when an ICC profile describes them (the profile itself is
    dropped, so the colours must not depend on it); unchanged otherwise."""
    if not icc_profile or frame.mode not in {"RGB", "RGBA", "CMYK"}:
        return frame
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        output_mode = "RGBA" if frame.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(frame, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return frame  # a broken or unusual profile: keep the pixels as they are


def _clean_frame(frame: Image.Image, image_format: str) -> Image.Image:
    """A copy of ``frame``'s pixels, upright, in a mode the writer takes, with no
    metadata but a palette's transparency."""
    icc_profile = frame.info.get("icc_profile")
    transparency = frame.info.get("transparency")
    upright = ImageOps.exif_transpose(frame)  # a new image (a copy when upright already)
    upright = _to_srgb(upright, icc_profile)
    if upright.mode not in _WRITABLE_MODES[image_format]:
        keeps_alpha = image_format != "JPEG" and ("A" in upright.mode or transparency is not None)
        upright = upright.convert("RGBA" if keeps_alpha else "RGB")
        transparency = None
    # Everything the writers could copy from the source (EXIF, XMP, comments, text
    # chunks, ICC profile, DPI…) lives in ``info``: only transparency is pixel data.
    upright.info = {} if transparency is None else {"transparency": transparency}
    if upright.mode not in {"P", "L", "RGB", "1", "I", "I;16"}:
        upright.info.pop("transparency", None)
    return upright


def _encode(frames: list[Image.Image], image_format: str, timing: dict[str, Any]) -> bytes:
    output = io.BytesIO()
    first, rest = frames[0], frames[1:]
    options: dict[str, Any] = {}
    if image_format == "JPEG":
        options = {"quality": JPEG_QUALITY, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": WEBP_QUALITY, "method": 4}
    if rest:
        options.update(save_all=True, append_images=rest, **timing)
        if image_format == "GIF":
            # Each frame is complete (Pillow composites them when reading), so each one
            # replaces the previous: transparent areas must not show the frame before.
            options["disposal"] = 2
    first.save(output, format=image_format, **options)
    return output.getvalue()


def image_reencode(file, *, stem: str = "image") -> ContentFile:
    """Decode the uploaded image ``file`` and write it again in the same format, with
    its EXIF orientation applied and no metadata; a ContentFile named ``stem`` plus the
    real extension. ValidationError ``invalid_image`` or ``file_too_large`` otherwise."""
    data = _read_upload(file)
    image = _open_checked(data)
    image_format = image.format
    try:
        frames: list[Image.Image] = []
        durations: list[float] = []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            durations.append(frame.info.get("duration", 0) or 0)
            frames.append(_clean_frame(frame, image_format))
        timing: dict[str, Any] = {"duration": durations}
        if "loop" in image.info:
            timing["loop"] = image.info["loop"]
        content = _encode(frames, image_format, timing)
    except ValidationError:
        raise
    except _DECODE_ERRORS:
        raise _invalid(_("Upload a valid image.")) from None
    finally:
        image.close()
    extension = IMAGE_FORMATS[image_format][0]
    return ContentFile(content, name=f"{stem}{extension}")


def image_upload_clean(
    file, *, field: str, stem: str = "image", message: str | None = None, code=None
) -> ContentFile:
    """:func:`image_reencode` for an upload endpoint: a refused image is 400 in the
    standard shape (``code``, default ``invalid``), its reason under ``fields.<field>``.
    The one wrapper every image upload service calls."""
    from teranga.core.errors import ValidationFailed

    try:
        return image_reencode(file, stem=stem)
    except ValidationError as error:
        raise ValidationFailed(message, code=code, fields={field: error.messages}) from None


def stored_extension(filename: str) -> str:
    """The extension an upload is stored with: the one of ``filename`` (a name we gave:
    :func:`image_reencode`'s, or ``document.pdf``) when it is one we serve, else none."""
    extension = os.path.splitext(str(filename or ""))[1].lower()
    return extension if extension in CONTENT_TYPES or extension == ".pdf" else ""
