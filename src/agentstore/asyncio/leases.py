"""Named leases with fencing tokens for asyncio: the sync leases' own operations, statements,
scripts and key layout (``agentstore.coordination``), awaited on the drivers' async clients.

Sync and async holders of one name exclude each other: both write the same rows and keys.
Each call is one atomic statement or script, so a call cancelled half-way either took the
lease (which then lapses after its TTL, as any holder's) or changed nothing, and gives its
connection back.
"""

from __future__ import annotations

from typing import Any, TypeVar

from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.protocol import AsyncClosing
from agentstore.asyncio.redis_calls import AsyncRedisScripts
from agentstore.asyncio.sql_calls import SqlCalls
from agentstore.coordination import leases_redis, leases_sql
from agentstore.coordination.leases_shell import LeaseOperations
from agentstore.coordination.protocol import Lease
from agentstore.driving import Command, Operation, Script, Statement, run_async
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.validation import check_prefix
from agentstore.urls import BackendURL

T = TypeVar("T")


async def open_leases_now(url: BackendURL, prefix: str, wait: ReplicaWait) -> Any:
    """Open the leases at ``url`` (what ``open_leases`` awaits)."""
    backend = url.backend
    check_prefix(prefix)
    if backend in ("redis", "redis_cluster"):
        scripts = AsyncRedisScripts(url, await connect(url), leases_redis._SCRIPTS, wait)
        return RedisLeases(url, prefix, scripts)
    calls = SqlCalls(url, leases_sql._statements(SqlCalls.clock(backend)))
    await calls.check("probe")  # a database never migrated fails here, clearly
    return SqlLeases(url, prefix, calls)


class AsyncLeasesShell(AsyncClosing):
    """Async ``Leases``: each method awaits its operation through ``_perform``."""

    _ops: LeaseOperations

    async def _perform(self, request: Any) -> Any:  # pragma: no cover - backends override it
        raise NotImplementedError

    async def _run(self, operation: Operation[T]) -> T:
        return await run_async(operation, self._perform)

    async def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Hold ``name`` for ``ttl`` seconds, or ``None`` while someone else holds it."""
        return await self._run(self._ops.acquire(name, owner, ttl))

    async def extend(self, lease: Lease, ttl: float) -> bool:
        """Hold the lease ``ttl`` more seconds from now; ``False`` if it is no longer held."""
        return await self._run(self._ops.extend(lease, ttl))

    async def release(self, lease: Lease) -> bool:
        """Give the lease up; ``False`` if this holder had already lost it."""
        return await self._run(self._ops.release(lease))

    async def holder(self, name: str) -> Lease | None:
        """Who holds ``name`` now, or ``None``."""
        return await self._run(self._ops.holder(name))


class SqlLeases(AsyncLeasesShell):
    """Async ``Leases`` on PostgreSQL or SQLite; ``prefix`` scopes the names."""

    def __init__(self, url: BackendURL, prefix: str, calls: SqlCalls) -> None:
        self.url = url
        self.prefix = prefix
        self._ops = leases_sql.SqlLeaseOperations(prefix)
        self._calls = calls

    async def _perform(self, request: Statement) -> Any:
        return await self._calls(request.sql, request.params, request.fetch or "all")

    async def close(self) -> None:
        await self._calls.close()


class RedisLeases(AsyncLeasesShell):
    """Async ``Leases`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(self, url: BackendURL, prefix: str, scripts: AsyncRedisScripts) -> None:
        self.url = url
        self.prefix = prefix
        self._ops = leases_redis.RedisLeaseOperations(prefix)
        self._scripts = scripts

    async def _perform(self, request: Script | Command) -> Any:
        if isinstance(request, Script):
            return await self._scripts(request)
        try:
            return await getattr(self._scripts.client, request.name)(*request.args)
        except UNAVAILABLE as error:
            raise self._scripts.unavailable(error) from error

    async def close(self) -> None:
        await self._scripts.close()
