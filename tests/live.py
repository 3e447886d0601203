"""What the live tests share: real processes (``manage.py`` commands) on 127.0.0.1,
with the real settings, and their own PostgreSQL database when the run has one."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DROP_DB = "DROP DATABASE IF EXISTS {} WITH (FORCE)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_path(url: str, path: str) -> str:
    return urlunparse(urlparse(url)._replace(path=path))


def admin_connect(database_url: str):
    import psycopg

    parsed = urlparse(database_url)
    return psycopg.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
    )


def process_env(**settings: str) -> dict[str, str]:
    """This process's environment without the test run's Django, pytest, database and
    Redis variables, with the real settings and ``settings`` on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_IMMEDIATE="0",
        DEBUG="0",
        PRODUCTION="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


@contextlib.contextmanager
def own_database(env: dict[str, str], suffix: str) -> Iterator[None]:
    """When the run is on PostgreSQL (DATABASE_URL), give ``env`` a fresh database
    ``<name>_<suffix>`` on the same server, dropped afterwards; else leave it on SQLite
    (in its DATA_DIR)."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        yield
        return
    from psycopg import sql

    name = urlparse(database_url).path.lstrip("/") + f"_{suffix}"
    with admin_connect(database_url) as conn:
        conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["DATABASE_URL"] = with_path(database_url, f"/{name}")
    try:
        yield
    finally:
        with admin_connect(database_url) as conn:
            conn.execute(sql.SQL(DROP_DB).format(sql.Identifier(name)))


def manage(*args: str, env: dict, timeout: float = 120) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout
