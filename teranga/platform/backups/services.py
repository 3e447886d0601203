"""Backups: create one (database + media + manifest in one archive), list them, prune the
old ones, and restore one.

An archive (``teranga-<UTC time>.tar``) holds three members:

* ``manifest.json``: when and from what it was made (format, created_at, the database
  vendor, Django's migration state per app) and, for each part, its file, size and
  SHA-256 (the media part also counts its files, per storage);
* ``database.sqlite3`` (SQLite) or ``database.pgdump`` (PostgreSQL, ``pg_dump -Fc``);
* ``media.tar``: every media file, ``<storage alias>/<name>``.

The database is dumped before the media are walked: a file uploaded meanwhile is kept
without a row that names it (harmless), rather than a row kept without its file.
A restore checks the whole archive (manifest, sizes, SHA-256, the database vendor, the
media storages) before it changes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.utils import timezone

from .database import (
    DUMP_NAMES,
    database_dump,
    database_restore,
    database_vendor,
    migration_state,
    migrations_missing,
    migrations_unknown,
)
from .exceptions import BackupError
from .media import MediaSummary, media_dump, media_restore, media_storages
from .targets import BackupInfo, Target, name_for, target_from

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 16 * 1024 * 1024


@dataclass
class BackupResult:
    name: str
    target: str
    size: int
    manifest: dict
    seconds: float
    pruned: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    name: str
    target: str
    manifest: dict
    media: MediaSummary
    seconds: float
    #: Migrations this code has that the restored database lacks: run ``migrate``.
    migrations_missing: list[str] = field(default_factory=list)
    #: Migrations of the restored database that this code does not know (a newer backup).
    migrations_unknown: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _part(path: Path, **extra) -> dict:
    return {"file": path.name, "size": path.stat().st_size, "sha256": _sha256(path), **extra}


def _keep_setting(keep: int | None) -> int:
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError(f"BACKUP_KEEP must be 1 or more, not {keep}")
    return keep


def backups_list(*, target: Target | None = None) -> list[BackupInfo]:
    """The backups of the target, oldest first."""
    return (target or target_from()).list()


def backups_prune(*, target: Target | None = None, keep: int | None = None) -> list[str]:
    """Delete all but the newest ``keep`` backups (``BACKUP_KEEP``); returns the names."""
    target = target or target_from()
    keep = _keep_setting(keep)
    old = [info.name for info in target.list()[:-keep]]
    for name in old:
        target.delete(name)
        logger.info(
            "backup %s deleted from %s (keeping the newest %d)", name, target.describe(), keep
        )
    return old


def backup_create(
    *, target: Target | None = None, keep: int | None = None, now: datetime | None = None
) -> BackupResult:
    """Back up the database and the media into a new archive on the target, then delete
    the backups beyond the newest ``keep``."""
    started = time.monotonic()
    target = target or target_from()
    keep = _keep_setting(keep)
    moment = now or timezone.now()
    name = name_for(moment, {info.name for info in target.list()})
    with tempfile.TemporaryDirectory(prefix=".teranga-backup-", dir=target.workspace()) as work:
        parts = Path(work) / "parts"
        parts.mkdir()
        vendor = database_vendor()
        state = migration_state()
        dump = database_dump(parts)
        media = media_dump(parts / MEDIA)
        manifest = {
            "format": FORMAT,
            "name": name,
            "created_at": moment.astimezone(UTC).isoformat(),
            "database_vendor": vendor,
            "django": django.get_version(),
            "migrations": state,
            "parts": {
                "database": _part(dump),
                "media": _part(
                    parts / MEDIA,
                    files=media.files,
                    bytes=media.bytes,
                    storages=media.per_storage,
                ),
            },
        }
        archive = Path(work) / name
        encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(encoded)
            info.mtime = int(moment.timestamp())
            tar.addfile(info, io.BytesIO(encoded))
            for path in (dump, parts / MEDIA):
                tar.add(path, arcname=path.name, recursive=False)
        size = archive.stat().st_size
        target.store(archive, name)
    logger.info(
        "backup %s stored in %s: %d bytes, %s database, %d media files",
        name,
        target.describe(),
        size,
        vendor,
        media.files,
    )
    pruned = backups_prune(target=target, keep=keep)
    return BackupResult(
        name=name,
        target=target.describe(),
        size=size,
        manifest=manifest,
        seconds=time.monotonic() - started,
        pruned=pruned,
    )


def _resolve(target: Target, name: str) -> str:
    if name != "latest":
        return name
    infos = target.list()
    if not infos:
        raise BackupError(f"no backup in {target.describe()}")
    return infos[-1].name


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"the archive's {member.name} is not a file")
    with dest.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def backup_open(archive: Path, folder: Path) -> tuple[dict, dict[str, Path]]:
    """Check an archive and take its parts out into ``folder``: ``(manifest, {"database":
    path, "media": path})``. Refuses an archive whose manifest, members, sizes or SHA-256
    do not match."""
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115
    except tarfile.TarError as error:
        raise BackupError(f"{archive.name} is not a readable archive: {error}")
    with tar:
        members = {member.name: member for member in tar.getmembers()}
        manifest_member = members.get(MANIFEST)
        if manifest_member is None or not manifest_member.isfile():
            raise BackupError(f"{archive.name} has no {MANIFEST}")
        if manifest_member.size > MANIFEST_MAX_BYTES:
            raise BackupError(f"{archive.name}: {MANIFEST} is too large")
        try:
            manifest = json.loads(tar.extractfile(manifest_member).read())
            parts_meta = manifest["parts"]
            vendor = manifest["database_vendor"]
        except (ValueError, KeyError, TypeError) as error:
            raise BackupError(f"{archive.name}: {MANIFEST} cannot be read: {error}")
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{archive.name}: unknown backup format {manifest.get('format')!r}")
        expected_files = {"database": DUMP_NAMES.get(vendor), "media": MEDIA}
        parts: dict[str, Path] = {}
        for part, expected_file in expected_files.items():
            meta = parts_meta.get(part) or {}
            if expected_file is None or meta.get("file") != expected_file:
                raise BackupError(
                    f"{archive.name}: the manifest's {part} part is not {expected_file}"
                )
            member = members.get(expected_file)
            if member is None or not member.isfile():
                raise BackupError(f"{archive.name} lacks its {part} part ({expected_file})")
            dest = folder / expected_file
            _copy_member(tar, member, dest)
            size, sha256 = dest.stat().st_size, _sha256(dest)
            if size != meta.get("size") or sha256 != meta.get("sha256"):
                raise BackupError(
                    f"{archive.name}: the {part} part ({expected_file}) does not match its "
                    f"manifest (size {size}, sha256 {sha256}; expected size {meta.get('size')}, "
                    f"sha256 {meta.get('sha256')}): the archive is damaged"
                )
            parts[part] = dest
    return manifest, parts


def backup_check(*, name: str, target: Target | None = None) -> dict:
    """Check a backup (``latest`` or a name) without restoring it; returns its manifest."""
    target = target or target_from()
    name = _resolve(target, name)
    with tempfile.TemporaryDirectory(prefix=".teranga-check-") as work:
        archive = target.fetch(name, Path(work))
        manifest, _ = backup_open(archive, Path(work))
    return manifest


def backup_restore(*, name: str, target: Target | None = None) -> RestoreResult:
    """Replace the database and the media with those of a backup (``latest`` or a name).

    Stop the web and task processes first: the restore replaces the whole database."""
    started = time.monotonic()
    target = target or target_from()
    name = _resolve(target, name)
    with tempfile.TemporaryDirectory(prefix=".teranga-restore-", dir=target.workspace()) as work:
        archive = target.fetch(name, Path(work))
        manifest, parts = backup_open(archive, Path(work))
        vendor = manifest["database_vendor"]
        if vendor != database_vendor():
            raise BackupError(
                f"{name} holds a {vendor} database and this one is {database_vendor()}: "
                "a backup restores into the same kind of database"
            )
        aliases = list(manifest["parts"]["media"].get("storages", {}))
        walked = media_storages()
        if missing := [alias for alias in aliases if alias not in walked]:
            raise BackupError(
                f"{name} has media of storages this configuration lacks: {', '.join(missing)}"
            )
        logger.warning("restoring backup %s from %s", name, target.describe())
        database_restore(parts["database"], vendor)
        media = media_restore(parts["media"], aliases)
    state = migration_state()
    result = RestoreResult(
        name=name,
        target=target.describe(),
        manifest=manifest,
        media=media,
        seconds=time.monotonic() - started,
        migrations_missing=migrations_missing(state),
        migrations_unknown=migrations_unknown(state),
    )
    logger.warning(
        "backup %s restored: %s database, %d media files (%d removed) in %.1f s",
        name,
        vendor,
        media.files,
        media.removed,
        result.seconds,
    )
    return result
