"""The work queue for asyncio on PostgreSQL or SQLite: the sync queue's own operations and
statements (the same rows, so sync and async workers share one queue), awaited on the
drivers' async clients.

Each operation is one statement in autocommit. A claim cancelled before it returns either
took no job, or took one the caller never heard of: that job's lease then lapses and the
next claim takes it over, as it would from a worker that died.
"""

from __future__ import annotations

from typing import Any

from agentstore.asyncio.queue_shell import AsyncQueueShell
from agentstore.asyncio.sql_calls import SqlCalls
from agentstore.coordination import queue_sql
from agentstore.coordination.queue_postgres import CLAIM_LOCK
from agentstore.driving import Statement
from agentstore.urls import BackendURL


async def open_sql_queue(
    url: BackendURL, name: str, prefix: str, backoff: float, max_backoff: float
) -> SqlQueue:
    """The queue ``name`` in a migrated database (``SchemaNotMigrated`` otherwise)."""
    ops = queue_sql.SqlQueueOperations(name, prefix, backoff, max_backoff)
    lock = CLAIM_LOCK if url.backend == "postgres" else ""
    calls = SqlCalls(url, queue_sql._statements(SqlCalls.clock(url.backend), lock))
    await calls.check("probe")
    return SqlQueue(url, ops, calls)


class SqlQueue(AsyncQueueShell):
    """An async ``Queue`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

    def __init__(self, url: BackendURL, ops: queue_sql.SqlQueueOperations, calls: SqlCalls) -> None:
        self.url = url
        self.name = ops.name
        self.prefix = ops.prefix
        self._ops = ops
        self._calls = calls

    def __repr__(self) -> str:
        return f"<async {type(self).__name__} {self.name!r} at {self.url.scheme}>"

    async def _perform(self, request: Statement) -> Any:
        return await self._calls(request.sql, request.params, request.fetch or "all")

    async def close(self) -> None:
        await self._calls.close()
