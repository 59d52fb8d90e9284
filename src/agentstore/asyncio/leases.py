"""Named leases with fencing tokens for asyncio: the sync ``agentstore.coordination`` leases'
own statements, scripts, key layout and checks, awaited on the drivers' async clients.

Sync and async holders of one name exclude each other: both write the same rows and keys.
Each call is one atomic statement or script, so a call cancelled half-way either took the
lease (which then lapses after its TTL, as any holder's) or changed nothing, and gives its
connection back.
"""

from __future__ import annotations

from typing import Any

from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.memory_sql import ALL, COUNT
from agentstore.asyncio.protocol import AsyncClosing
from agentstore.asyncio.redis_calls import AsyncRedisScripts
from agentstore.asyncio.sql_calls import SqlCalls
from agentstore.coordination import leases_redis, leases_sql
from agentstore.coordination.protocol import Lease
from agentstore.coordination.validation import check_duration, check_name
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.validation import check_prefix
from agentstore.urls import BackendURL


async def open_leases_now(url: BackendURL, prefix: str = "") -> Any:
    """Open the leases at ``url`` (what ``open_leases`` awaits)."""
    backend = url.backend
    check_prefix(prefix)
    if backend in ("redis", "redis_cluster"):
        return RedisLeases(url, prefix, await connect(url))
    calls = SqlCalls(url, leases_sql._statements(SqlCalls.clock(backend)))
    await calls.check("probe")  # a database never migrated fails here, clearly
    return SqlLeases(url, prefix, calls)


class SqlLeases(AsyncClosing):
    """Async ``Leases`` on PostgreSQL or SQLite; ``prefix`` scopes the names."""

    def __init__(self, url: BackendURL, prefix: str, calls: SqlCalls) -> None:
        self.url = url
        self.prefix = prefix
        self._run = calls

    async def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        params = {
            "scope": self.prefix,
            "name": check_name(name, "lease"),
            "owner": check_name(owner, "owner"),
            "ttl": check_duration(ttl, "lease TTL"),
        }
        rows = await self._run("acquire", params, ALL)
        return Lease(name, owner, int(rows[0][0])) if rows else None

    def _held(self, lease: Lease, **values: object) -> dict[str, object]:
        return leases_sql.SqlLeases._held(self, lease, **values)  # type: ignore[arg-type]

    async def extend(self, lease: Lease, ttl: float) -> bool:
        params = self._held(lease, ttl=check_duration(ttl, "lease TTL"))
        return bool(await self._run("extend", params, COUNT))

    async def release(self, lease: Lease) -> bool:
        return bool(await self._run("release", self._held(lease), COUNT))

    async def holder(self, name: str) -> Lease | None:
        params = {"scope": self.prefix, "name": check_name(name, "lease")}
        rows = await self._run("holder", params, ALL)
        return Lease(name, rows[0][0], int(rows[0][1])) if rows else None

    async def close(self) -> None:
        await self._run.close()


class RedisLeases(AsyncClosing):
    """Async ``Leases`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(self, url: BackendURL, prefix: str, client: Any) -> None:
        self.url = url
        self.prefix = prefix
        self._run = AsyncRedisScripts(url, client, leases_redis._SCRIPTS)

    def _keys(self, name: str) -> list[str]:
        # The sync leases' own layout: sync and async holders must meet on the same keys.
        return leases_redis.RedisLeases._keys(self, name)  # type: ignore[arg-type]

    async def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        keys = self._keys(check_name(name, "lease"))
        ms = leases_redis._ms(check_duration(ttl, "lease TTL"))
        token = await self._run("acquire", keys, [check_name(owner, "owner"), ms])
        return Lease(name, owner, int(token)) if token else None

    async def extend(self, lease: Lease, ttl: float) -> bool:
        ms = leases_redis._ms(check_duration(ttl, "lease TTL"))
        args = [lease.owner, str(lease.token), ms]
        return bool(await self._run("extend", self._keys(lease.name)[:1], args))

    async def release(self, lease: Lease) -> bool:
        args = [lease.owner, str(lease.token)]
        return bool(await self._run("release", self._keys(lease.name)[:1], args))

    async def holder(self, name: str) -> Lease | None:
        key = self._keys(check_name(name, "lease"))[0]
        try:
            owner, token = await self._run.client.hmget(key, "owner", "token")
        except UNAVAILABLE as error:
            raise self._run.unavailable(error) from error
        return Lease(name, owner.decode(), int(token)) if owner and token else None

    async def close(self) -> None:
        await self._run.close()
