"""``open_memory``: one entry point that picks the backend from the URL's scheme."""

from __future__ import annotations

from agentstore.db.engine import PoolSettings
from agentstore.memory.protocol import MemoryStore
from agentstore.memory.validation import check_namespace, check_prefix
from agentstore.urls import backend_of


def open_memory(
    url: str, namespace: str = "aqe", prefix: str = "", *, pool: PoolSettings | None = None
) -> MemoryStore:
    """Open the memory at ``url`` (``postgresql+psycopg://``, ``sqlite://`` or ``redis://``).

    ``namespace`` is the first segment every key carries (``aqe/...``); ``prefix`` scopes the
    store: a physical key prefix on Redis, a row scope on SQL, so many stores share a server.
    Raises ``InvalidURL`` for an unknown scheme, ``BackendUnavailable`` when the server does
    not answer, and ``SchemaNotMigrated`` for a SQL database never migrated.

    ``pool`` sizes a SQL store's connection pool (``pool_size``, ``max_overflow``,
    ``pool_timeout``, ``connect_timeout``); a thread beyond it waits up to ``pool_timeout``
    seconds, then gets ``PoolExhausted``. Redis stores ignore it.
    """
    backend = backend_of(url)
    check_namespace(namespace)
    check_prefix(prefix)
    if backend == "redis":
        from agentstore.memory.redis_backend import RedisMemory

        return RedisMemory(url, namespace, prefix)
    if backend == "postgres":
        from agentstore.memory.sql_postgres import open_postgres

        return open_postgres(url, namespace, prefix, pool)
    from agentstore.memory.sql_sqlite import open_sqlite

    return open_sqlite(url, namespace, prefix, pool)
