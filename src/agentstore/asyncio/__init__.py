"""agentstore as coroutines, on the drivers' own async clients (no threads around the sync API).

``redis.asyncio`` for Redis, psycopg's async connections (through SQLAlchemy's asyncio
extension) for PostgreSQL, and aiosqlite for SQLite. Every method has the sync name, the sync
arguments and raises the sync errors; validation, patterns, SQL statements and Redis scripts
are the sync package's own, imported, so the two cannot drift apart::

    from agentstore.asyncio import open_memory

    async with open_memory(url, namespace="aqe") as mem:
        await mem.store("aqe/goal", "ship it", ttl=60)

``open_leases`` awaits the sync leases' own statements and scripts on the same rows and keys,
so sync and async holders of a name exclude each other.

A call cancelled half-way leaves no half-written entry (each write is one atomic statement or
script, batches one transaction) and gives its connection back.
"""

from agentstore.asyncio.opening import open_leases, open_memory
from agentstore.asyncio.protocol import AsyncMemoryStore

__all__ = ["AsyncMemoryStore", "open_leases", "open_memory"]
