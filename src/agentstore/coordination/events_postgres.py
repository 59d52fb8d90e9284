"""Events on PostgreSQL LISTEN/NOTIFY: at-most-once, to whoever is listening at commit.

A channel name becomes a fixed-length identifier (``agentstore_`` and a digest of prefix and
name), as PostgreSQL truncates identifiers at 63 bytes and folds their case. A payload is at
most 7999 bytes of JSON (the server's limit). A subscriber holds a connection of its own.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from agentstore import errors
from agentstore.coordination.protocol import Closing, IterableSubscription
from agentstore.coordination.sql_connections import SqlConnections
from agentstore.coordination.validation import check_event, check_name, decode
from agentstore.db.failures import one_line
from agentstore.urls import BackendURL

#: The largest payload NOTIFY carries, in bytes.
MAX_PAYLOAD = 7999


class PostgresSubscription(IterableSubscription):
    """Notifications of one channel, read one at a time."""

    def __init__(self, connection: Any, url: BackendURL) -> None:
        self._connection = connection
        self._url = url
        self._buffer: deque[str] = deque()

    def next(self, timeout: float | None = None) -> Any | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        if not self._buffer:
            import psycopg

            try:
                for notify in self._connection.notifies(timeout=timeout, stop_after=1):
                    self._buffer.append(notify.payload)
            except psycopg.Error as error:
                raise errors.BackendUnavailable(
                    f"lost the connection to {self._url.redacted}: {one_line(error)}"
                ) from error
        return decode(self._buffer.popleft()) if self._buffer else None


class PostgresEvents(Closing):
    """``Events`` on PostgreSQL; ``prefix`` keeps one store's channels from another's."""

    def __init__(self, url: BackendURL, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._db = SqlConnections(url)
        self._notify = self._db.statement("SELECT pg_notify(:channel, :payload)")

    def _channel(self, channel: str) -> str:
        digest = hashlib.sha1(f"{self.prefix}\x1f{check_name(channel, 'channel')}".encode())
        return "agentstore_" + digest.hexdigest()

    def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        name, text = self._channel(channel), check_event(payload)
        if len(text.encode()) > MAX_PAYLOAD:
            raise errors.InvalidValue(f"an event on PostgreSQL holds at most {MAX_PAYLOAD} bytes")
        self._db.run(self._notify, {"channel": name, "payload": text})

    @contextmanager
    def subscribe(self, channel: str) -> Iterator[PostgresSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        import psycopg
        from psycopg import sql

        name = self._channel(channel)
        try:
            connection = psycopg.connect(self.url.libpq, autocommit=True, connect_timeout=5)
        except psycopg.Error as error:
            raise errors.BackendUnavailable(
                f"cannot reach {self.url.redacted}: {one_line(error)}"
            ) from error
        try:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
            yield PostgresSubscription(connection, self.url)
        finally:
            with suppress(Exception):
                connection.close()

    def close(self) -> None:
        self._db.close()
