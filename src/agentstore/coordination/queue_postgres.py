"""The work queue on PostgreSQL: claims take rows with ``FOR UPDATE SKIP LOCKED``, so
concurrent workers pass over each other's rows instead of waiting for them."""

from __future__ import annotations

from agentstore.coordination.queue_sql import SqlQueue
from agentstore.urls import BackendURL

#: What a claim's inner SELECT adds (shared with ``agentstore.asyncio``'s queue).
CLAIM_LOCK = " FOR UPDATE SKIP LOCKED"


def open_postgres_queue(
    url: BackendURL, name: str, *, prefix: str, backoff: float, max_backoff: float
) -> SqlQueue:
    """A queue in a migrated PostgreSQL database."""
    return SqlQueue(
        url,
        name,
        lock=CLAIM_LOCK,
        prefix=prefix,
        backoff=backoff,
        max_backoff=max_backoff,
    )
