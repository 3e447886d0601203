"""Where backups are kept: a folder, or a prefix in an S3 bucket (``BACKUP_TARGET``).

A backup is one archive per run, named by its UTC time: ``teranga-20261207T021500Z.tar``
(``-2``, ``-3``… when two start within the same second). Only names of that form are
listed, restored or deleted by the retention: anything else kept beside them is left
alone.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .exceptions import BackupError

PREFIX = "teranga-"
SUFFIX = ".tar"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^teranga-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<seq>[1-9]\d{0,5}))?\.tar$")
#: How many archives may share one second before the name is refused (a bound, not a need).
MAX_SAME_SECOND = 1000


@dataclass(frozen=True)
class BackupInfo:
    name: str
    size: int

    @property
    def created_at(self) -> datetime:
        return name_time(self.name)

    @property
    def order(self) -> tuple[datetime, int]:
        return name_order(self.name)


def is_backup_name(name: str) -> bool:
    return NAME_RE.match(name) is not None


def name_order(name: str) -> tuple[datetime, int]:
    match = NAME_RE.match(name)
    if match is None:
        raise BackupError(f"not a backup name: {name!r}")
    stamp = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
    return stamp, int(match["seq"] or 1)


def name_time(name: str) -> datetime:
    return name_order(name)[0]


def name_for(moment: datetime, taken: set[str]) -> str:
    """The archive name for a backup started at ``moment`` that is not in ``taken``."""
    stamp = moment.astimezone(UTC).strftime(STAMP_FORMAT)
    for seq in range(1, MAX_SAME_SECOND + 1):
        name = f"{PREFIX}{stamp}{'' if seq == 1 else f'-{seq}'}{SUFFIX}"
        if name not in taken:
            return name
    raise BackupError(f"{MAX_SAME_SECOND} backups already started at {stamp}")


class Target(Protocol):
    """A place that keeps archives."""

    def describe(self) -> str: ...

    def workspace(self) -> Path | None:
        """A folder where an archive may be built (then moved in cheaply), or None for the
        system's temporary folder."""

    def list(self) -> list[BackupInfo]:
        """The archives, oldest first."""

    def store(self, path: Path, name: str) -> None:
        """Keep the archive at ``path`` under ``name`` (``path`` may be moved away)."""

    def fetch(self, name: str, folder: Path) -> Path:
        """A local path to read the archive ``name`` from (downloaded into ``folder`` if
        need be)."""

    def delete(self, name: str) -> None: ...


def _sorted(infos: list[BackupInfo]) -> list[BackupInfo]:
    return sorted(infos, key=lambda info: info.order)


class FolderTarget:
    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def workspace(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path

    def list(self) -> list[BackupInfo]:
        if not self.path.is_dir():
            return []
        return _sorted(
            [
                BackupInfo(entry.name, entry.stat().st_size)
                for entry in os.scandir(self.path)
                if entry.is_file() and is_backup_name(entry.name)
            ]
        )

    def store(self, path: Path, name: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        final = self.path / name
        partial = self.path / f".{name}.partial"
        # Built in the folder itself (workspace), the move is a rename: a reader never
        # sees half an archive under a backup's name.
        shutil.move(path, partial)
        os.replace(partial, final)

    def fetch(self, name: str, folder: Path) -> Path:
        path = self.path / name
        if not is_backup_name(name) or not path.is_file():
            raise BackupError(f"no backup named {name} in {self.describe()}")
        return path

    def delete(self, name: str) -> None:
        if is_backup_name(name):
            (self.path / name).unlink(missing_ok=True)


class S3Target:
    """``s3://bucket/prefix``, with the S3_* endpoint and credentials of the media."""

    def __init__(self, bucket: str, prefix: str, options: dict) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.options = options
        self._client = None

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    @property
    def client(self):
        if self._client is None:
            import boto3  # only when a target is on S3
            from botocore.config import Config

            options = {key: value for key, value in self.options.items() if value}
            # Another store than AWS (MinIO, Ceph, R2…): bucket in the path, as the media.
            style = "path" if options.get("endpoint_url") else "auto"
            config = Config(s3={"addressing_style": style}, signature_version="s3v4")
            self._client = boto3.client("s3", config=config, **options)
        return self._client

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def workspace(self) -> None:
        return None

    def list(self) -> list[BackupInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = f"{self.prefix}/" if self.prefix else ""
        infos = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if is_backup_name(name):
                    infos.append(BackupInfo(name, item["Size"]))
        return _sorted(infos)

    def store(self, path: Path, name: str) -> None:
        # upload_file sends large archives in parts; the object appears whole at the end.
        self.client.upload_file(str(path), self.bucket, self.key(name))

    def fetch(self, name: str, folder: Path) -> Path:
        if not is_backup_name(name):
            raise BackupError(f"not a backup name: {name!r}")
        from botocore.exceptions import ClientError

        path = folder / name
        try:
            self.client.download_file(self.bucket, self.key(name), str(path))
        except ClientError as error:
            raise BackupError(f"no backup named {name} in {self.describe()}: {error}")
        return path

    def delete(self, name: str) -> None:
        if is_backup_name(name):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))


def target_from(value: str | None = None) -> FolderTarget | S3Target:
    """The target named by ``value`` (default: the ``BACKUP_TARGET`` setting)."""
    value = (value if value is not None else settings.BACKUP_TARGET).strip()
    if not value:
        raise BackupError("BACKUP_TARGET is empty: give a folder or s3://bucket/prefix")
    if value.startswith("s3://"):
        bucket, _, prefix = value.removeprefix("s3://").partition("/")
        if not bucket:
            raise BackupError(f"no bucket in BACKUP_TARGET {value!r}")
        return S3Target(bucket, prefix, dict(settings.BACKUP_S3_OPTIONS))
    if "://" in value:
        raise BackupError(f"BACKUP_TARGET {value!r}: a folder path or s3://bucket/prefix")
    return FolderTarget(Path(value).expanduser().resolve())
