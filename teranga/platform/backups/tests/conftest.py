"""A throwaway Teranga site per test, for the commands run as real processes: a migrated
database of its own (copied from a template migrated once per run of this package),
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

from tests.live import admin_connect, manage, process_env, with_path
from tests.skips import current_leg, require

LEG = current_leg()
MIGRATE_TIMEOUT = 900


def _drop(database_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connect(database_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="package")
def template(tmp_path_factory):
    """A migrated database to copy: ``("sqlite", its path)`` or ``("postgresql", its
    name)``."""
    folder = tmp_path_factory.mktemp("backup-template")
    env = process_env(DATA_DIR=str(folder))
    if LEG == "sqlite":
        path = folder / "teranga.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        manage("migrate", "--noinput", env=env, timeout=MIGRATE_TIMEOUT)
        yield "sqlite", str(path)
        return
    for tool in ("pg_dump", "pg_restore"):
        require(tool, shutil.which(tool) is not None, "apt-get install postgresql-client")
    from psycopg import sql

    database_url = os.environ["DATABASE_URL"]
    name = f"{urlparse(database_url).path.lstrip('/')}_bktpl_{uuid.uuid4().hex[:8]}"
    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        env["DATABASE_URL"] = with_path(database_url, f"/{name}")
        manage("migrate", "--noinput", env=env, timeout=MIGRATE_TIMEOUT)
        yield "postgresql", name
    finally:
        _drop(database_url, name)


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
    from psycopg import sql

    database_url = os.environ["DATABASE_URL"]
    name = f"{urlparse(database_url).path.lstrip('/')}_bk_{uuid.uuid4().hex[:8]}"
    with admin_connect(database_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
    env["DATABASE_URL"] = with_path(database_url, f"/{name}")
    try:
        yield env
    finally:
        _drop(database_url, name)
