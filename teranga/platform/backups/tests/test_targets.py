"""Targets, names and retention, without a database: archive names sort by their time,
the retention keeps the newest BACKUP_KEEP and touches nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from teranga.platform.backups.exceptions import BackupError
from teranga.platform.backups.services import backups_list, backups_prune
from teranga.platform.backups.targets import (
    FolderTarget,
    S3Target,
    is_backup_name,
    name_for,
    target_from,
)


def test_names_carry_the_utc_time_and_never_collide():
    moment = datetime(2026, 12, 7, 2, 15, 0, 123, tzinfo=UTC)
    first = name_for(moment, set())
    assert first == "teranga-20261207T021500Z.tar"
    second = name_for(moment, {first})
    assert second == "teranga-20261207T021500Z-2.tar"
    assert name_for(moment, {first, second}) == "teranga-20261207T021500Z-3.tar"
    assert all(is_backup_name(name) for name in (first, second))
    for other in ("teranga-latest.tar", "notes.txt", "teranga-20261207T021500Z.tar.partial"):
        assert not is_backup_name(other)


def _touch(folder, *names):
    for name in names:
        (folder / name).write_bytes(name.encode())


def test_retention_keeps_the_newest_and_nothing_else_is_touched(tmp_path):
    _touch(
        tmp_path,
        "teranga-20261203T020000Z.tar",
        "teranga-20261201T020000Z.tar",
        "teranga-20261203T020000Z-2.tar",
        "teranga-20261202T020000Z.tar",
        "teranga-20261204T020000Z.tar",
        "notes.txt",
        ".teranga-20261205T020000Z.tar.partial",
    )
    target = FolderTarget(tmp_path)
    assert [info.name for info in backups_list(target=target)] == [
        "teranga-20261201T020000Z.tar",
        "teranga-20261202T020000Z.tar",
        "teranga-20261203T020000Z.tar",
        "teranga-20261203T020000Z-2.tar",
        "teranga-20261204T020000Z.tar",
    ]
    deleted = backups_prune(target=target, keep=3)
    assert deleted == ["teranga-20261201T020000Z.tar", "teranga-20261202T020000Z.tar"]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [
            ".teranga-20261205T020000Z.tar.partial",
            "notes.txt",
            "teranga-20261203T020000Z-2.tar",
            "teranga-20261203T020000Z.tar",
            "teranga-20261204T020000Z.tar",
        ]
    )
    with pytest.raises(BackupError, match="BACKUP_KEEP"):
        backups_prune(target=target, keep=0)


def test_a_missing_folder_lists_no_backup(tmp_path):
    assert backups_list(target=FolderTarget(tmp_path / "none")) == []


def test_target_from_the_setting(tmp_path, settings):
    settings.BACKUP_TARGET = str(tmp_path / "here")
    target = target_from()
    assert isinstance(target, FolderTarget) and target.path == tmp_path / "here"
    s3 = target_from("s3://bucket/teranga/nightly/")
    assert isinstance(s3, S3Target)
    assert (s3.bucket, s3.key("teranga-20261207T021500Z.tar")) == (
        "bucket",
        "teranga/nightly/teranga-20261207T021500Z.tar",
    )
    assert target_from("s3://bucket").key("x") == "x"
    for wrong in ("", "s3://", "ftp://host/path"):
        with pytest.raises(BackupError):
            target_from(wrong)
