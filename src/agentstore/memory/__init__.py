"""Agent memory: a key-value store with time-to-live on PostgreSQL, SQLite and Redis.

Modules, one job each: ``protocol`` (the API and its stats), ``validation`` (keys, values,
TTLs), ``patterns`` (globs for SQL and Redis), ``shell`` (the API over operations),
``sql_statements`` + ``sql_operations`` + ``sql_postgres`` / ``sql_sqlite`` + ``sql_backend``
(the SQL backends: what each call does, once, and its blocking driver), ``redis_scripts`` +
``redis_operations`` + ``redis_backend``, and ``opening`` (``open_memory``). The asyncio
stores drive the same operations (``agentstore.driving``).
"""

from agentstore.memory.opening import open_memory
from agentstore.memory.protocol import MemoryStats, MemoryStore

__all__ = ["MemoryStats", "MemoryStore", "open_memory"]
