"""The work queue on SQLite: each write statement is an immediate transaction on its own
(SQLite takes the database's one write lock when the statement starts), so a claim never
has to upgrade a read lock and two claims never take the same job."""

from __future__ import annotations

from agentstore.coordination.queue_sql import SqlQueue
from agentstore.urls import BackendURL


def open_sqlite_queue(
    url: BackendURL, name: str, *, prefix: str, backoff: float, max_backoff: float
) -> SqlQueue:
    """A queue in a migrated SQLite file (a missing file is refused, never created)."""
    return SqlQueue(url, name, lock="", prefix=prefix, backoff=backoff, max_backoff=max_backoff)
