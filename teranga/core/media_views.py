"""Uploaded media served from this machine's disk (the embedded default, ``make run``).

Two thin views, on the routes of ``config/urls.py`` under ``MEDIA_URL``:

* :func:`public_file` — ``MEDIA_URL<name>``: a file of the public storage only (the files
  under ``MEDIA_ROOT/public``: logos, avatars, service and event images), cacheable.
* :func:`private_file` — ``MEDIA_URL/private/<name>?sig=…``: a file of the private
  (default) storage, only with a valid, unexpired signature of its name
  (:func:`teranga.core.storage.signed_media_url`, what the storage's ``url()`` gives).

Anything else — a private file's plain address, a bad or expired signature, a path that
leaves the folder, a hidden file — answers 404 and says nothing more. With media on S3
the files never come here (their URLs are the bucket's), and both views answer 404.

Django's ``django.views.static.serve`` is for development only; these serve a file with
``FileResponse`` (streamed, ``Content-Length``, the content type of its extension) plus
``X-Content-Type-Options: nosniff`` and a ``Cache-Control`` header.

Each private file served is told to :data:`private_file_observers` (the audit log
registers one), called as ``observer(request=…, name=…)`` once the file is found, before
it is streamed.
"""

from __future__ import annotations

import mimetypes
import os

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from teranga.core.registry import Registry
from teranga.core.storage import (
    PUBLIC_CACHE_CONTROL,
    SIGNATURE_PARAMETER,
    PrivateFileSystemStorage,
    local_storage,
    public_storage,
    signature_valid,
)

#: Who hears of a private file served: ``observer(request=…, name=…)`` (the platform's
#: audit log; the core knows nothing of it).
private_file_observers: Registry = Registry("private file observer")

PUBLIC_CACHE = PUBLIC_CACHE_CONTROL  # names are unique per upload: cached a week
PRIVATE_CACHE = "private, no-store"
#: What we store (teranga.core.images and PDFs); mimetypes lacks some on older systems.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}


def _plain_name(name: str) -> bool:
    """A relative name of plain segments: no empty, hidden (``.``, ``..``) or odd one."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    return all(part and not part.startswith(".") for part in name.split("/"))


def _file_response(storage, name: str, cache_control: str) -> FileResponse:
    if storage is None or not _plain_name(name):
        raise Http404
    try:
        path = storage.path(name)  # safe_join: never outside the storage's folder
    except (SuspiciousFileOperation, ValueError):
        raise Http404
    root = os.path.realpath(storage.location)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root or not os.path.isfile(real):
        raise Http404
    extension = os.path.splitext(real)[1].lower()
    content_type = CONTENT_TYPES.get(extension) or (
        mimetypes.guess_type(real)[0] or "application/octet-stream"
    )
    response = FileResponse(open(real, "rb"), content_type=content_type)  # noqa: SIM115
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response


@require_safe
def public_file(request, name: str) -> FileResponse:
    """A public media file (``MEDIA_ROOT/public/<name>``) at ``MEDIA_URL<name>``."""
    return _file_response(local_storage(public_storage), name, PUBLIC_CACHE)


@require_safe
def private_file(request, name: str) -> FileResponse:
    """A private media file, only through a signed link that has not expired."""
    storage = local_storage(default_storage)
    if not isinstance(storage, PrivateFileSystemStorage):
        raise Http404
    if not signature_valid(name, request.GET.get(SIGNATURE_PARAMETER, "")):
        raise Http404
    response = _file_response(storage, name, PRIVATE_CACHE)
    for observer in private_file_observers.values():
        observer(request=request, name=name)
    return response
