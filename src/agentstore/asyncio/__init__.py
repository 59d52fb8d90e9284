"""agentstore as coroutines, on the drivers' own async clients (no threads around the sync API).

``redis.asyncio`` for Redis, psycopg's async connections (through SQLAlchemy's asyncio
extension) for PostgreSQL, and aiosqlite for SQLite. Every method has the sync name, the sync
arguments and raises the sync errors; the memory's operations (``agentstore.driving``:
generators that yield statements and scripts) are the sync stores' own, only awaited, so the
two cannot drift apart::

    from agentstore.asyncio import open_memory

    async with open_memory(url, namespace="aqe") as mem:
        await mem.store("aqe/goal", "ship it", ttl=60)

``open_queue`` and ``open_leases`` await the sync queue's and leases' own statements and
scripts on the same rows and keys: a job the sync API enqueued is claimable here and back,
and sync and async holders of a lease exclude each other. ``open_events`` publishes on the
sync events' channels: sync and async subscribers hear each other. A ``redis+cluster://`` URL is
served by ``redis.asyncio``'s cluster client, with the sync stores' hash-tag layout.

A call cancelled half-way leaves no half-written entry (each write is one atomic statement or
script, batches one transaction) and gives its connection back; a claim cancelled before it
returns loses no job: the job's lease lapses and another worker claims it.
"""

from agentstore.asyncio.opening import (
    Opening,
    open_events,
    open_leases,
    open_memory,
    open_queue,
)
from agentstore.asyncio.protocol import (
    AsyncEvents,
    AsyncLeases,
    AsyncMemoryStore,
    AsyncQueue,
    AsyncSubscription,
)

__all__ = [
    "AsyncEvents",
    "AsyncLeases",
    "AsyncMemoryStore",
    "AsyncQueue",
    "AsyncSubscription",
    "Opening",
    "open_events",
    "open_leases",
    "open_memory",
    "open_queue",
]
