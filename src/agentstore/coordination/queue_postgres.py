"""The work queue on PostgreSQL: claims take rows with ``FOR UPDATE SKIP LOCKED``, so
concurrent workers pass over each other's rows instead of waiting for them."""

from __future__ import annotations

from agentstore.coordination.queue_sql import SqlQueue


def open_postgres_queue(url: str, name: str, **options: object) -> SqlQueue:
    """A queue in a migrated PostgreSQL database."""
    return SqlQueue(url, name, lock=" FOR UPDATE SKIP LOCKED", **options)
