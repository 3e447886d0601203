"""A throwaway Teranga site per test, for the commands run as real processes: a migrated
database of its own (a copy of the run's template, ``tests.live.migrated_template``),
DATA_DIR, MEDIA_ROOT and a backup folder in tmp_path.

pytest-django holds the test database, so the backup tests never use it: on the SQLite
leg a site has a fresh SQLite file; on the PostgreSQL leg, a database of its own on the
run's server (``<run's database>_bk_<random>``), created and dropped here.
"""

from __future__ import annotations

import os
import shutil
import uuid
from urllib.parse import urlparse

import pytest

from tests.live import (
    create_migrated_database,
    drop_database,
    migrated_template,
    process_env,
)
from tests.skips import current_leg, require

LEG = current_leg()


@pytest.fixture(scope="package")
def template():
    """A migrated database to copy: ``("sqlite", its path)`` or ``("postgresql", its
    name)``, the one the run's whole-system tests share."""
    if LEG == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            require(tool, shutil.which(tool) is not None, "apt-get install postgresql-client")
    return migrated_template()


@pytest.fixture
def site(template, tmp_path):
    """The environment of a fresh, migrated site (its own database, DATA_DIR, media and
    backup folder)."""
    vendor, source = template
    data = tmp_path / "data"
    data.mkdir()
    env = process_env(
        DATA_DIR=str(data),
        MEDIA_ROOT=str(data / "media"),
        BACKUP_TARGET=str(tmp_path / "backups"),
        BACKUP_KEEP="7",
        BACKUP_CRON="",
        S3_BUCKET="",
    )
    if vendor == "sqlite":
        shutil.copyfile(source, data / "teranga.sqlite3")
        env["DATABASE_URL"] = f"sqlite:///{data / 'teranga.sqlite3'}"
        yield env
        return
    database_url = os.environ["DATABASE_URL"]
    name = f"{urlparse(database_url).path.lstrip('/')}_bk_{uuid.uuid4().hex[:8]}"
    env["DATABASE_URL"] = create_migrated_database(database_url, name)
    try:
        yield env
    finally:
        drop_database(database_url, name)
