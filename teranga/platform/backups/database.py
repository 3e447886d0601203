"""The database part of a backup: a consistent dump of the live database, and its restore.

* SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies the live file
  page by page inside one read transaction: a consistent snapshot while the server runs
  (WAL: writers go on meanwhile). Restoring uses the same API the other way, into the
  live file.
* PostgreSQL: ``pg_dump --format=custom``, restored with ``pg_restore --clean --if-exists
  --no-owner`` in a single transaction (a failed restore changes nothing). The connection
  comes from ``settings.DATABASES``; the password goes to the child process through
  ``PGPASSWORD`` in its environment, never on its command line or in a log.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections import defaultdict
from pathlib import Path
from urllib.request import pathname2url

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .exceptions import BackupError

#: The name of the database part in an archive, per vendor.
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
SQLITE_TIMEOUT = 60.0  # seconds a copy waits for a lock (a restore needs the write lock)
#: A restore on PostgreSQL gives up after waiting this long for a table's lock (a web or
#: task process still using the database), rather than wait for ever.
PG_LOCK_TIMEOUT = "120s"


def database_vendor(alias: str = DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor


def migration_state(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The applied migrations per app, as ``django_migrations`` records them."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = defaultdict(list)
    for app, name in sorted(recorder.applied_migrations()):
        state[app].append(name)
    return dict(state)


def migrations_missing(state: dict[str, list[str]]) -> list[str]:
    """The migrations this code has and ``state`` lacks (``app.name``): after restoring an
    older backup, ``manage.py migrate`` applies them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {(app, name) for app, names in state.items() for name in names}
    return sorted(
        f"{app}.{name}" for app, name in loader.disk_migrations if (app, name) not in applied
    )


def migrations_unknown(state: dict[str, list[str]]) -> list[str]:
    """The migrations in ``state`` that this code does not have (a backup made by a newer
    version of Teranga)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known_apps = {app for app, _ in loader.disk_migrations}
    return sorted(
        f"{app}.{name}"
        for app, names in state.items()
        if app in known_apps
        for name in names
        if (app, name) not in loader.disk_migrations
    )


def _close_connections() -> None:
    for connection in connections.all():
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None and connection.settings_dict.get("OPTIONS", {}).get("pool"):
            close_pool()


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_path(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(name)


def _sqlite_open_existing(path: Path, mode: str) -> sqlite3.Connection:
    """A connection to an existing file (``mode``: ``ro`` or ``rw``): never creates one."""
    uri = f"file:{pathname2url(str(path.resolve()))}?mode={mode}"
    try:
        return sqlite3.connect(uri, uri=True, timeout=SQLITE_TIMEOUT)
    except sqlite3.OperationalError as error:
        raise BackupError(f"cannot open the SQLite database {path}: {error}")


def _sqlite_dump(settings_dict: dict, dest: Path) -> None:
    live = _sqlite_path(settings_dict)
    if not live.is_file():
        raise BackupError(f"the SQLite database {live} does not exist")
    source = _sqlite_open_existing(live, "rw")  # rw: a WAL reader may need the -shm file
    try:
        copy = sqlite3.connect(dest)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            # The copy stands alone in one file (no -wal beside it) and is checked.
            copy.execute("PRAGMA journal_mode=DELETE")
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if check != "ok":
        raise BackupError(f"the copy of the SQLite database fails its check: {check}")


def _sqlite_restore(settings_dict: dict, dump: Path) -> None:
    live = _sqlite_path(settings_dict)
    live.parent.mkdir(parents=True, exist_ok=True)
    _close_connections()
    source = _sqlite_open_existing(dump, "ro")
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the backup's SQLite database fails its check: {check}")
        target = sqlite3.connect(live, timeout=SQLITE_TIMEOUT)
        try:
            # The backup API writes into the live file under its write lock: another
            # process that has it open sees the restored database at its next read.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(the server's major version or newer, e.g. Debian's postgresql-client)"
        )
    return path


def _pg_connection(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """The connection arguments (no password) and the child's environment (the password
    in PGPASSWORD, TLS settings in PGSSL*), as Django's own ``dbshell`` builds them."""
    if not settings_dict.get("NAME"):
        raise BackupError("DATABASES['default'] names no database")
    _, extra_env = PostgresClient.settings_to_cmd_args_env(settings_dict, [])
    args = ["--no-password"]
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    env = {**os.environ, **(extra_env or {})}
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


def _pg_dump(settings_dict: dict, dest: Path) -> None:
    args, env = _pg_connection(settings_dict)
    command = [_pg_binary("pg_dump"), "--format=custom", f"--file={dest}", *args]
    _run([*command, f"--dbname={settings_dict['NAME']}"], env, "pg_dump")


def _pg_restore(settings_dict: dict, dump: Path) -> None:
    args, env = _pg_connection(settings_dict)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={PG_LOCK_TIMEOUT}".strip()
    _close_connections()
    command = [
        _pg_binary("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
        f"--dbname={settings_dict['NAME']}",
        str(dump),
    ]
    _run(command, env, "pg_restore")


# --- Either ---------------------------------------------------------------------------


def database_dump(folder: Path, alias: str = DEFAULT_DB_ALIAS) -> Path:
    """Dump the database into ``folder``; returns the dump's path."""
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    dest = folder / DUMP_NAMES[vendor]
    if vendor == "sqlite":
        _sqlite_dump(connection.settings_dict, dest)
    else:
        _pg_dump(connection.settings_dict, dest)
    return dest


def database_restore(dump: Path, vendor: str, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the live database with the dump (made on ``vendor``)."""
    connection = connections[alias]
    if vendor != connection.vendor:
        raise BackupError(
            f"the backup holds a {vendor} database and this one is {connection.vendor}"
        )
    if vendor == "sqlite":
        _sqlite_restore(connection.settings_dict, dump)
    else:
        _pg_restore(connection.settings_dict, dump)
    _close_connections()  # the next query opens a connection to the restored database
