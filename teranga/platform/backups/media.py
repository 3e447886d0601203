"""The media part of a backup: every file of the media storages, read and written through
Django's storage API, so the same code backs up local files and an S3 bucket (and
restores a backup of one into the other).

The media storages are the aliases of ``settings.STORAGES`` other than ``staticfiles``.
Each is walked on its own, through its own storage; a storage inside another (``public``,
the ``public/`` folder or prefix of the private ``default``) is skipped by the outer
one's walk, and two aliases on the very same place are walked once. In the archive's
``media.tar`` a file is ``<alias>/<name>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from .exceptions import BackupError

#: Aliases of settings.STORAGES that hold no media.
NOT_MEDIA = frozenset({"staticfiles"})
#: A file is copied through a spooled buffer: in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024
#: How deep a walk goes into folders (a bound; media paths are a few levels deep).
MAX_DEPTH = 32


@dataclass
class MediaSummary:
    files: int = 0
    bytes: int = 0
    per_storage: dict[str, int] = field(default_factory=dict)
    removed: int = 0
    unchanged: int = 0


def _place(storage: Storage) -> tuple[str, ...] | None:
    """Where a storage keeps its files, as a path of parts (None: unknown)."""
    if isinstance(storage, FileSystemStorage):
        return ("file", *Path(storage.location).resolve().parts)
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        endpoint = getattr(storage, "endpoint_url", None) or ""
        location = (getattr(storage, "location", "") or "").strip("/")
        return ("s3", endpoint, bucket, *[part for part in location.split("/") if part])
    return None


def media_storages() -> dict[str, Storage]:
    """The media storages to walk, by alias (one per place: of two aliases on the very
    same place, the first listed)."""
    found = {alias: storages[alias] for alias in settings.STORAGES if alias not in NOT_MEDIA}
    walked: dict[str, Storage] = {}
    seen: set[tuple[str, ...]] = set()
    for alias, storage in found.items():
        place = _place(storage)
        if place is not None and place in seen:
            continue
        if place is not None:
            seen.add(place)
        walked[alias] = storage
    return walked


def nested_folders(alias: str, walked: dict[str, Storage]) -> frozenset[str]:
    """The folders of ``alias``'s storage where another walked storage keeps its files
    (``public`` inside the private ``default``): left to that storage, so that each file
    is read and written through its own storage (its permissions, its headers)."""
    place = _place(walked[alias])
    if place is None:
        return frozenset()
    folders = set()
    for other_alias, other in walked.items():
        other_place = _place(other)
        if (
            other_alias != alias
            and other_place is not None
            and len(other_place) > len(place)
            and other_place[: len(place)] == place
        ):
            folders.add("/".join(other_place[len(place) :]))
    return frozenset(folders)


def walk(
    storage: Storage, skip: frozenset[str] = frozenset(), folder: str = "", depth: int = 0
) -> Iterator[str]:
    """Every file's name in ``storage`` under ``folder``, except in the folders ``skip``."""
    if depth > MAX_DEPTH:
        raise BackupError(f"media folders deeper than {MAX_DEPTH} levels under {folder!r}")
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder does not exist yet
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        path = posixpath.join(folder, sub) if folder else sub
        if path not in skip:
            yield from walk(storage, skip, path, depth + 1)


def _spool(source) -> tuple[tempfile.SpooledTemporaryFile, int, str]:
    """A copy of an open file, its size and its SHA-256."""
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        buffer.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    buffer.seek(0)
    return buffer, size, digest.hexdigest()


def media_dump(dest: Path) -> MediaSummary:
    """Write every media file into the tar file ``dest``."""
    summary = MediaSummary()
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as archive:
        walked = media_storages()
        for alias, storage in walked.items():
            count = 0
            for name in walk(storage, nested_folders(alias, walked)):
                try:
                    with storage.open(name, "rb") as source:
                        buffer, size, _ = _spool(source)
                except FileNotFoundError:  # deleted while the backup ran
                    continue
                with buffer:
                    info = tarfile.TarInfo(f"{alias}/{name}")
                    info.size = size
                    archive.addfile(info, buffer)
                count += 1
                summary.bytes += size
            summary.per_storage[alias] = count
            summary.files += count
    return summary


def _member_name(member: tarfile.TarInfo) -> tuple[str, str]:
    """``(alias, name)`` of a member, refusing anything but a plain relative file."""
    if not member.isfile():
        raise BackupError(f"media.tar holds something else than a file: {member.name!r}")
    alias, _, name = member.name.partition("/")
    parts = name.split("/")
    if not alias or not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"media.tar holds an unsafe name: {member.name!r}")
    return alias, name


def _same_file(storage: Storage, name: str, size: int, sha256: str) -> bool:
    try:
        if storage.size(name) != size:
            return False
        with storage.open(name, "rb") as current:
            buffer, _, digest = _spool(current)
            buffer.close()
    except FileNotFoundError:
        return False
    return digest == sha256


def media_restore(source: Path, expected_aliases: list[str]) -> MediaSummary:
    """Make the media storages hold exactly the files of the tar file ``source``: files
    that differ or are missing are written, files not in the backup are deleted."""
    walked = media_storages()
    missing = [alias for alias in expected_aliases if alias not in walked]
    if missing:
        raise BackupError(
            "the backup has media of storages this configuration does not walk: "
            + ", ".join(missing)
        )
    summary = MediaSummary()
    kept: dict[str, set[str]] = {alias: set() for alias in walked}
    with tarfile.open(source, "r:") as archive:
        for member in archive:
            alias, name = _member_name(member)
            if alias not in walked:
                raise BackupError(f"media.tar names an unknown storage: {alias!r}")
            storage = walked[alias]
            extracted = archive.extractfile(member)
            buffer, size, digest = _spool(extracted)
            with buffer:
                if _same_file(storage, name, size, digest):
                    summary.unchanged += 1
                else:
                    if storage.exists(name):
                        storage.delete(name)
                    saved = storage.save(name, File(buffer, name=posixpath.basename(name)))
                    if saved != name:
                        raise BackupError(f"the storage kept {name!r} as {saved!r}")
            kept[alias].add(name)
            summary.files += 1
            summary.bytes += size
            summary.per_storage[alias] = summary.per_storage.get(alias, 0) + 1
    for alias, storage in walked.items():
        for name in list(walk(storage, nested_folders(alias, walked))):
            if name not in kept[alias]:
                storage.delete(name)
                summary.removed += 1
        if isinstance(storage, FileSystemStorage):
            _remove_empty_folders(Path(storage.location))
    return summary


def _remove_empty_folders(root: Path) -> None:
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):  # not empty
            folder.rmdir()
