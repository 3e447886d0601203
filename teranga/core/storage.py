"""Where uploaded media live: two storages, the same layout on the disk and on S3.

* ``default`` — **private** media, the storage of every file field that names no other:
  verification documents, message attachments, invoice PDFs, student cards. Its
  ``url()`` is a signed link that expires after ``MEDIA_SIGNED_URL_SECONDS``
  (``S3_SIGNED_URL_SECONDS``): an S3 presigned URL, or on the disk a link to
  ``MEDIA_URL + "private/<name>?sig=…"`` signed with Django's ``TimestampSigner``
  (:func:`signed_media_url`, checked by :mod:`teranga.core.media_views`). So the same code
  (a serializer's ``file.url``, the admin's link) works with both backends, and no private
  file is ever readable at a guessable address.
* ``public`` — **public** media that anyone may see: organisation logos, avatars, service
  images, event covers. A field opts in with ``storage=public_media_storage``. Plain,
  cacheable URLs (``MEDIA_URL + name`` on the disk; the bucket's or ``S3_PUBLIC_URL``'s
  address on S3). Its files live under ``public/`` — ``MEDIA_ROOT/public/`` on the disk,
  the ``public/`` prefix of the bucket on S3 — so that only that folder is ever served
  (a bucket policy or a CDN opens ``public/*`` and nothing else).

Private by default, public by a field's explicit choice: a new file field is safe
without thinking about it. ``config/settings.py`` picks the backends: local files
without ``S3_BUCKET``, django-storages' ``S3Storage`` with it.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils._os import safe_join
from django.utils.encoding import filepath_to_uri
from django.utils.functional import LazyObject, cached_property, empty

#: The alias of the public storage in ``settings.STORAGES``.
PUBLIC_ALIAS = "public"
#: The folder (disk) or key prefix (S3) of public media.
PUBLIC_LOCATION = "public"
#: The segment after ``MEDIA_URL`` of signed links to private files on the disk.
PRIVATE_URL_SEGMENT = "private/"
#: The query parameter that carries a signed link's timestamp and signature.
SIGNATURE_PARAMETER = "sig"
_SALT = "teranga.core.storage.private-media"


def signed_link_seconds() -> int:
    return int(getattr(settings, "MEDIA_SIGNED_URL_SECONDS", 600))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def signed_media_url(name: str) -> str:
    """A link to the private file ``name`` on the disk, valid for
    ``MEDIA_SIGNED_URL_SECONDS``: ``MEDIA_URL/private/<name>?sig=<timestamp>:<signature>``."""
    token = _signer().sign(name)[len(name) + 1 :]
    return (
        f"{settings.MEDIA_URL}{PRIVATE_URL_SEGMENT}{filepath_to_uri(name)}"
        f"?{SIGNATURE_PARAMETER}={token}"
    )


def signature_valid(name: str, token: str) -> bool:
    """Whether ``token`` (the ``sig`` of a link) signs ``name`` and has not expired."""
    if not name or not token:
        return False
    try:
        _signer().unsign(f"{name}:{token}", max_age=signed_link_seconds())
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    return True


class PrivateFileSystemStorage(FileSystemStorage):
    """Private media on the disk, under ``MEDIA_ROOT``: ``url()`` is a signed, expiring
    link (never the plain ``MEDIA_URL`` address, which answers 404)."""

    def url(self, name: str | None) -> str:
        if not name:
            raise ValueError("This file is not accessible via a URL.")
        return signed_media_url(name.replace(os.sep, "/").lstrip("/"))


class PublicFileSystemStorage(FileSystemStorage):
    """Public media on the disk, under ``MEDIA_ROOT/public`` (following ``MEDIA_ROOT``,
    also when a test overrides it), at the plain address ``MEDIA_URL + name``."""

    @cached_property
    def base_location(self):
        if self._location is not None:
            return self._location
        return os.path.join(settings.MEDIA_ROOT, PUBLIC_LOCATION)


class PublicStorage(LazyObject):
    """``storages["public"]``, looked up when first used (and again after a test changes
    ``STORAGES``), as Django's ``default_storage`` is for ``"default"``."""

    def _setup(self):
        self._wrapped = storages[PUBLIC_ALIAS]


public_storage = PublicStorage()


def public_media_storage() -> PublicStorage:
    """The ``storage`` of a public file field (a callable, so migrations name it and do
    not freeze the backend)."""
    return public_storage


def _reset_public_storage(*, setting, **kwargs) -> None:
    if setting in {"STORAGES", "MEDIA_ROOT", "MEDIA_URL"}:
        public_storage._wrapped = empty


setting_changed.connect(_reset_public_storage, dispatch_uid="teranga.core.storage.public")


def local_storage(storage) -> FileSystemStorage | None:
    """``storage`` itself when it keeps its files on this machine's disk, else None."""
    wrapped = storage
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        wrapped = storage._wrapped
    return wrapped if isinstance(wrapped, FileSystemStorage) else None


def public_files_moved(app_label: str, model_name: str, field_name: str):
    """A migration step for a file field that became public: the files it stored before,
    at ``MEDIA_ROOT/<name>`` (the one storage of old), move to ``MEDIA_ROOT/public/<name>``,
    where the public storage looks (and back when the migration is reversed). Only on
    the disk; on S3 there is nothing to move. A file that is missing, or already where it
    belongs, is left alone."""
    from django.db import migrations

    def move(apps, *, to_public: bool) -> None:
        storage = local_storage(public_storage)
        if storage is None:
            return
        model = apps.get_model(app_label, model_name)
        names = (
            model._default_manager.exclude(**{field_name: ""})
            .values_list(field_name, flat=True)
            .iterator()
        )
        for name in names:
            try:
                old, new = safe_join(settings.MEDIA_ROOT, name), storage.path(name)
            except SuspiciousFileOperation:
                continue
            source, target = (old, new) if to_public else (new, old)
            if os.path.isfile(source) and not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(source, target)

    return migrations.RunPython(
        lambda apps, schema_editor: move(apps, to_public=True),
        lambda apps, schema_editor: move(apps, to_public=False),
        elidable=True,
    )


#: Public media are named once per upload (a replaced logo gets a new name).
PUBLIC_CACHE_CONTROL = "public, max-age=604800"


def media_storages(
    *,
    bucket: str = "",
    endpoint_url: str = "",
    region: str = "us-east-1",
    access_key: str = "",
    secret_key: str = "",
    public_url: str = "",
    signed_seconds: int = 600,
    presign_endpoint_url: str = "",
) -> dict[str, dict]:
    """The ``"default"`` (private) and ``"public"`` entries of ``settings.STORAGES``.

    Without ``bucket``: two folders of ``MEDIA_ROOT`` (private at its root, public under
    ``public/``). With it: django-storages' ``S3Storage`` on that bucket, the same layout
    (public media under the ``public/`` prefix), for AWS (no ``endpoint_url``) or any
    S3-compatible store (MinIO, Ceph, Garage, R2…: addressed by path, no DNS needed).
    Objects get no ACL (``default_acl=None``): the bucket's policy decides, and only
    ``public/*`` should be readable by anyone. Private links are presigned for
    ``signed_seconds``, for ``presign_endpoint_url`` when the store is reached there from
    outside (a proxy in front of compose's MinIO) rather than at ``endpoint_url``; public
    ones are plain, on ``public_url`` (the address of the bucket's root through a CDN or
    a proxy) when given."""
    if not bucket:
        return {
            "default": {"BACKEND": "teranga.core.storage.PrivateFileSystemStorage"},
            PUBLIC_ALIAS: {"BACKEND": "teranga.core.storage.PublicFileSystemStorage"},
        }
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or "us-east-1",
        # Empty: boto3's own chain (an instance or a pod role).
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "signature_version": "s3v4",
        "addressing_style": "path" if endpoint_url else None,
        "file_overwrite": False,
        "default_acl": None,
    }
    scheme, _, domain = public_url.strip().rstrip("/").rpartition("://")
    return {
        "default": {
            "BACKEND": "teranga.core.s3_storage.S3Storage",
            "OPTIONS": {
                **common,
                "querystring_auth": True,
                "querystring_expire": signed_seconds,
                # The address browsers reach the store at, when it is not endpoint_url.
                "presign_endpoint_url": presign_endpoint_url or None,
            },
        },
        PUBLIC_ALIAS: {
            "BACKEND": "teranga.core.s3_storage.S3Storage",
            "OPTIONS": {
                **common,
                "location": PUBLIC_LOCATION,
                "querystring_auth": False,
                "custom_domain": domain or None,
                "url_protocol": f"{scheme or 'https'}:",
                "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
            },
        },
    }
