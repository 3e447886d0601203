"""A named lock across threads, processes and hosts, for work that must not run twice at
the same time (rendering a document once). It is held for a block and released by the
system when its holder dies, so a crash never leaves it taken.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on this thread's
  connection, keyed by a 64-bit hash of the name; every host of the database sees it.
- SQLite: ``flock`` on one of :data:`STRIPES` lock files beside the database file (the
  name's hash picks the file). An SQLite database lives on one machine, and so does
  every process that uses it. Two names may share a file: a holder must never take a
  second lock inside the first.

Nothing is held across a transaction's end: the lock does not depend on one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import DatabaseError, connection

STRIPES = 256
POLL_SECONDS = 0.05


def _key(name: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def _lock_directory() -> Path:
    if connection.is_in_memory_db():  # one process: any private directory will do
        return Path(tempfile.gettempdir()) / f"teranga-locks-{os.getpid()}"
    return Path(f"{connection.settings_dict['NAME']}-locks")


def _poll(attempt, wait: float) -> bool:
    """Call ``attempt`` until it answers True or ``wait`` seconds have passed."""
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def exclusive(name: str, *, wait: float) -> Iterator[bool]:
    """Hold the lock ``name`` for the block, waiting up to ``wait`` seconds for it.
    Yields whether it is held: False when another holder kept it all that time (the
    caller decides whether to go on without it)."""
    if connection.vendor == "postgresql":
        with _advisory(_key(name), wait) as held:
            yield held
    else:
        with _file_lock(_key(name) % STRIPES, wait) as held:
            yield held


@contextlib.contextmanager
def _advisory(key: int, wait: float) -> Iterator[bool]:
    def attempt() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            return bool(cursor.fetchone()[0])

    held = _poll(attempt, wait)
    try:
        yield held
    finally:
        if held:
            # A connection lost meanwhile took the lock with it.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextlib.contextmanager
def _file_lock(stripe: int, wait: float) -> Iterator[bool]:
    directory = _lock_directory()
    directory.mkdir(parents=True, exist_ok=True)
    # Each holder opens the file itself: flock excludes other open files, threads too.
    descriptor = os.open(directory / f"{stripe:03d}.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def attempt() -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        held = _poll(attempt, wait)
        yield held
    finally:
        os.close(descriptor)  # releases the lock
