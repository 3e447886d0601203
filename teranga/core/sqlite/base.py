"""Django's SQLite backend, with its connections kept for reuse within the process.

Under ASGI, Django runs each request's synchronous code in a thread of its own, and a
database connection belongs to its thread: every request opened a new connection and
closed it at the end. Opening one costs about 3 ms here (SQLite reads the whole schema
of a new connection, and Django registers its functions and runs our PRAGMAs), more
than a small API request itself. Django pools connections for PostgreSQL
(``OPTIONS["pool"]``, psycopg's pool) but not for SQLite, so this backend keeps closed
connections in a small per-process pool and hands them to the next request.

A connection goes back to the pool only outside any transaction (an open one is rolled
back first); it keeps its PRAGMAs (WAL, busy timeout, foreign keys) and Django's
functions. In-memory databases are never pooled (closing one destroys it). The pool is
per database file: a file deleted and created again under the same name while the
process runs (which only tests do, through their own throwaway names) must not be
reused, so pooled connections are dropped when their file changed.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading

from django.db.backends.sqlite3 import base

#: Connections kept per database file and process: idle ones beyond it are closed.
POOL_SIZE = 16

_pools: dict[str, queue.LifoQueue] = {}
_lock = threading.Lock()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class DatabaseWrapper(base.DatabaseWrapper):
    def _pool(self) -> queue.LifoQueue:
        name = str(self.settings_dict["NAME"])
        with _lock:
            pool = _pools.get(name)
            if pool is None:
                pool = _pools[name] = queue.LifoQueue(maxsize=POOL_SIZE)
            return pool

    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            current = _identity(str(self.settings_dict["NAME"]))
            pool = self._pool()
            while True:
                try:
                    connection, identity = pool.get_nowait()
                except queue.Empty:
                    break
                if identity == current:
                    return connection
                connection.close()  # its file was replaced: a stale handle
        return super().get_new_connection(conn_params)

    def _close(self):
        connection = self.connection
        if connection is None or self.is_in_memory_db() or self.in_atomic_block:
            return super()._close()
        try:
            if connection.in_transaction:
                connection.rollback()
            identity = _identity(str(self.settings_dict["NAME"]))
            self._pool().put_nowait((connection, identity))
        except (queue.Full, sqlite3.Error):
            return super()._close()
        return None
