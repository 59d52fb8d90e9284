"""Driver connections for the SQL coordination backends: one per thread, in autocommit.

Each operation is one statement on the calling thread's own connection (psycopg or sqlite3,
no pool lock, no ORM), so a queue costs little more than the raw driver. A connection the
server dropped is thrown away and the failure raised as ``BackendUnavailable``; the next
call on that thread connects again, which is how workers recover from a server that
terminated their connections.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from agentstore import errors
from agentstore.db.failures import driver_failure, raise_meaning
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.urls import BackendURL

#: Each database's clock in epoch seconds, fixed for the statement (SQLite: milliseconds).
CLOCKS = {
    "postgres": "EXTRACT(EPOCH FROM statement_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT = 30.0
_NAMED = re.compile(r"(?<![:\w]):([a-z_]\w*)")


def fetch_all(cursor: Any) -> list[tuple[Any, ...]]:
    return list(cursor.fetchall())


def row_count(cursor: Any) -> int:
    return int(cursor.rowcount)


class SqlConnections:
    """The connections one coordination object keeps to a PostgreSQL or SQLite database."""

    def __init__(self, url: BackendURL) -> None:
        self.url = url
        self.backend = url.backend
        if self.backend == "sqlite":
            sqlite_file_must_exist(url)
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self.now = CLOCKS[self.backend]

    def statement(self, text: str) -> str:
        """``text`` written with ``:name`` parameters, in the driver's own style."""
        if self.backend == "postgres":
            return _NAMED.sub(r"%(\1)s", text)
        return text

    def _connect(self) -> Any:
        connection: Any
        if self.backend == "postgres":
            import psycopg

            connection = psycopg.connect(self.url.libpq, autocommit=True, connect_timeout=5)
        else:
            path = self.url.sqlite_path
            connection = sqlite3.connect(
                str(path) if path else ":memory:",
                timeout=SQLITE_BUSY_TIMEOUT,
                isolation_level=None,  # autocommit: one statement, one transaction
                check_same_thread=False,
            )
            # Switching needs the file to itself (no busy wait): only switch when it is not
            # WAL yet, which a file agentstore migrated always is.
            if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._all.append(connection)
        return connection

    def run(
        self, text: str, params: dict[str, Any], fetch: Callable[[Any], Any] = fetch_all
    ) -> Any:
        """Run one statement on this thread's connection; ``fetch`` reads the cursor."""
        connection = getattr(self._local, "connection", None)
        try:
            if connection is None:
                connection = self._local.connection = self._connect()
            cursor = connection.execute(text, params)
            return fetch(cursor)
        except errors.AgentstoreError:
            raise
        except Exception as error:
            raise_meaning(error, self._failure(connection, error))

    def _failure(self, connection: Any, error: Exception) -> Exception:
        """Drop a lost connection; say what ``error`` means in agentstore's words."""
        # A connection never made is not lost: the server could not be reached.
        lost = bool(connection is not None and self.backend == "postgres" and connection.broken)
        if connection is None or lost or getattr(connection, "closed", False):
            self._forget(connection)
        found = driver_failure(
            error, self.url, SQLITE_BUSY_TIMEOUT, lost=lost, connecting=connection is None
        )
        return found or error

    def _forget(self, connection: Any) -> None:
        self._local.connection = None
        if connection is None:
            return
        with self._lock, suppress(ValueError):
            self._all.remove(connection)
        with suppress(Exception):
            connection.close()

    def close(self) -> None:
        """Close every connection this object opened, on every thread."""
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            with suppress(Exception):
                connection.close()
        self._local = threading.local()
