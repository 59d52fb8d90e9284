"""Named leases with fencing tokens for asyncio: the sync ``agentstore.coordination`` leases'
own statements, scripts, key layout and checks, awaited on the drivers' async clients.

Sync and async holders of one name exclude each other: both write the same rows and keys.
Each call is one atomic statement or script, so a call cancelled half-way either took the
lease (which then lapses after its TTL, as any holder's) or changed nothing, and gives its
connection back.
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

import redis
from sqlalchemy import exc

from agentstore import errors
from agentstore.asyncio.connections import Connections
from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.memory_sql import ALL, COUNT, sql_engine
from agentstore.coordination import leases_redis, leases_sql
from agentstore.coordination.protocol import Lease
from agentstore.coordination.redis_calls import RedisScripts
from agentstore.coordination.sql_connections import _NAMED, CLOCKS
from agentstore.coordination.validation import check_duration, check_name
from agentstore.db.failures import one_line, translate
from agentstore.memory.validation import check_prefix
from agentstore.urls import backend_of, redact


class AsyncLeasesBase:
    """``async with`` support, shared by both backends."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def open_leases_now(url: str, prefix: str = "") -> Any:
    """Open the leases at ``url`` (what ``open_leases`` awaits)."""
    backend = backend_of(url)
    check_prefix(prefix)
    if backend == "redis":
        return RedisLeases(url, prefix, await connect(url))
    engine, driver, limit, timeout, _ = sql_engine(url, backend)
    leases = SqlLeases(
        url,
        prefix,
        backend,
        Connections(engine, driver.prepare, limit=limit, timeout=timeout),
        driver,
        engine,
    )
    try:
        await leases._run("probe", {}, ALL)  # a database never migrated fails here, clearly
    except BaseException:
        await leases.close()
        raise
    return leases


class SqlLeases(AsyncLeasesBase):
    """Async ``Leases`` on PostgreSQL or SQLite; ``prefix`` scopes the names."""

    def __init__(
        self,
        url: str,
        prefix: str,
        backend: str,
        connections: Connections,
        driver: Any,
        engine: Any,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._backend = backend
        self._connections = connections
        self._driver = driver
        self._engine = engine
        statements = leases_sql._statements(CLOCKS[backend])
        if backend == "postgres":  # psycopg's named style; sqlite takes ``:name`` as written
            statements = {k: _NAMED.sub(r"%(\1)s", v) for k, v in statements.items()}
        self._sql = statements

    async def _run(self, name: str, params: dict[str, Any], fetch: str) -> Any:
        entry = await self._connections.take()
        try:
            result = await self._driver.run(entry, self._sql[name], params, fetch)
        except Exception as error:
            await self._connections.discard(entry)
            raise self._failure(error) from error
        except BaseException:  # cancelled: settle the connection, whatever happens next
            await asyncio.shield(self._settle(entry))
            raise
        self._connections.give(entry)
        return result

    async def _settle(self, entry: Any) -> None:
        try:
            idle = await self._driver.settle(entry[1])
        except Exception:
            idle = False
        if idle:
            self._connections.give(entry)
        else:
            await self._connections.discard(entry)

    def _failure(self, error: Exception) -> Exception:
        """What ``error`` means, in the words of the sync leases (``db.failures``)."""
        if isinstance(error, errors.AgentstoreError):
            return error
        dbapi = self._engine.dialect.loaded_dbapi
        if not isinstance(error, dbapi.Error):
            return error
        wrapped = exc.DBAPIError.instance(None, None, error, dbapi.Error)
        mapped = translate(wrapped, self.url, self._connections.timeout)
        if mapped is None and isinstance(wrapped, exc.OperationalError | exc.InterfaceError):
            mapped = errors.BackendUnavailable(
                f"lost the connection to {redact(self.url)}: {one_line(error)}"
            )
        return mapped or error

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
        await self._connections.close()
        await self._engine.dispose()


class RedisLeases(AsyncLeasesBase):
    """Async ``Leases`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(self, url: str, prefix: str, client: Any) -> None:
        self.url = url
        self.prefix = prefix
        self._client = client
        self._scripts = {
            name: client.register_script(source) for name, source in leases_redis._SCRIPTS.items()
        }

    def _keys(self, name: str) -> list[str]:
        # The sync leases' own layout: sync and async holders must meet on the same keys.
        return leases_redis.RedisLeases._keys(self, name)  # type: ignore[arg-type]

    def _unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return RedisScripts.unavailable(self, error)  # type: ignore[arg-type]

    async def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        script = self._scripts[name]
        try:
            try:
                return await self._client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return await script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self._unavailable(error) from error

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
            owner, token = await self._client.hmget(key, "owner", "token")
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self._unavailable(error) from error
        return Lease(name, owner.decode(), int(token)) if owner and token else None

    async def close(self) -> None:
        await self._client.aclose()
