"""Agent memory: a key-value store with time-to-live on PostgreSQL, SQLite and Redis.

Modules, one job each: ``protocol`` (the API and its stats), ``validation`` (keys, values,
TTLs), ``patterns`` (globs for SQL and Redis), ``sql_statements`` + ``sql_postgres`` /
``sql_sqlite`` + ``sql_backend`` (the SQL backends), ``redis_scripts`` + ``redis_backend``,
and ``opening`` (``open_memory``).
"""

from agentstore.memory.opening import open_memory
from agentstore.memory.protocol import MemoryStats, MemoryStore

__all__ = ["MemoryStats", "MemoryStore", "open_memory"]
