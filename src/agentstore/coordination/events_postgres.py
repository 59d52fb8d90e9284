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
from typing import TYPE_CHECKING, Any

from agentstore import errors
from agentstore.coordination.protocol import Closing, IterableSubscription
from agentstore.coordination.sql_connections import SqlConnections
from agentstore.coordination.validation import check_event, check_name, decode
from agentstore.db.failures import driver_failure
from agentstore.urls import BackendURL

if TYPE_CHECKING:
    from psycopg.sql import Composed

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
                raise lost(self._url, error) from error
        return decode(self._buffer.popleft()) if self._buffer else None


class PostgresEvents(Closing):
    """``Events`` on PostgreSQL; ``prefix`` keeps one store's channels from another's."""

    def __init__(self, url: BackendURL, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._db = SqlConnections(url)
        self._notify = self._db.statement(NOTIFY)

    def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        self._db.run(self._notify, notice(self.prefix, channel, payload))

    @contextmanager
    def subscribe(self, channel: str) -> Iterator[PostgresSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        import psycopg

        statement = listen(self.prefix, channel)
        try:
            connection = psycopg.connect(self.url.libpq, autocommit=True, connect_timeout=5)
        except psycopg.Error as error:
            raise unreachable(self.url, error) from error
        try:
            connection.execute(statement)
            yield PostgresSubscription(connection, self.url)
        finally:
            with suppress(Exception):
                connection.close()

    def close(self) -> None:
        self._db.close()


#: Publishes ``payload`` on ``channel`` (the parameters :func:`notice` gives).
NOTIFY = "SELECT pg_notify(:channel, :payload)"


def channel_name(prefix: str, channel: str) -> str:
    """The PostgreSQL channel of ``channel`` in the store with ``prefix``."""
    digest = hashlib.sha1(f"{prefix}\x1f{check_name(channel, 'channel')}".encode())
    return "agentstore_" + digest.hexdigest()


def notice(prefix: str, channel: str, payload: Any) -> dict[str, str]:
    """The parameters of :data:`NOTIFY`, the payload checked (at most :data:`MAX_PAYLOAD`)."""
    name, text = channel_name(prefix, channel), check_event(payload)
    if len(text.encode()) > MAX_PAYLOAD:
        raise errors.InvalidValue(f"an event on PostgreSQL holds at most {MAX_PAYLOAD} bytes")
    return {"channel": name, "payload": text}


def listen(prefix: str, channel: str) -> Composed:
    """The LISTEN statement for ``channel``."""
    from psycopg import sql

    return sql.SQL("LISTEN {}").format(sql.Identifier(channel_name(prefix, channel)))


def unreachable(url: BackendURL, error: Exception) -> Exception:
    """A listening connection that could not be made, in ``db.failures``' words."""
    return driver_failure(error, url, connecting=True) or error


def lost(url: BackendURL, error: Exception) -> Exception:
    """A listening connection the server dropped, in ``db.failures``' words."""
    return driver_failure(error, url, lost=True) or error
