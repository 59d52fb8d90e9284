"""The Redis memory for asyncio: ``redis.asyncio`` driving the sync backend's own operations.

The operations (``agentstore.memory.redis_operations``: layout, scripts, validation) and the
errors are the sync store's; this module only awaits the requests they make. Each write is
one script, atomic on the server, so a cancelled call either wrote a whole entry or nothing;
redis-py drops the connection a cancelled reply was pending on and puts it back in the pool.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from agentstore.asyncio.memory_shell import AsyncMemory
from agentstore.asyncio.redis_replication import run_batch, run_script
from agentstore.driving import Command, Scan, Script, ScriptBatch
from agentstore.memory import redis_scripts
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_backend import RedisDriving, client_options, stopped, unreachable
from agentstore.memory.redis_backend import unusable as unusable_url
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL

#: Connections one store shares among all its coroutines (more wait for one, up to the
#: socket timeout): a thousand coroutines need no thousand connections.
MAX_CONNECTIONS = 20

#: What a server (or a cluster failing over) raises while it cannot answer.
_LOST = UNAVAILABLE


class _Pool(aioredis.BlockingConnectionPool):
    """The blocking pool, replacing at checkout a connection the server closed while it sat
    idle (a restart, a failover, CLIENT KILL), as redis-py's sync pool does; its async pool
    only looks for unread data, and would send the next command into the closed socket."""

    async def ensure_connection(self, connection: Any) -> None:
        reader = getattr(connection, "_reader", None)  # redis-py's asyncio.StreamReader
        if reader is not None and reader.at_eof():
            await connection.disconnect()
        await super().ensure_connection(connection)


async def connect(
    url: BackendURL, timeout: float = 3.0, socket_timeout: float = 30.0
) -> aioredis.Redis:
    """An async client for ``url`` that has answered PING; errors as the sync ``connect``.
    A ``redis+cluster://`` URL gives redis-py's async cluster client, which answers the same
    commands (callers needing its own methods check ``isinstance(client, RedisCluster)``)."""
    if url.backend == "redis_cluster":
        from agentstore.asyncio.redis_cluster import connect_cluster

        return cast(
            aioredis.Redis, await connect_cluster(url, timeout, socket_timeout, MAX_CONNECTIONS)
        )
    options = client_options(timeout, socket_timeout)
    try:
        pool = _Pool.from_url(
            url.raw, max_connections=MAX_CONNECTIONS, timeout=socket_timeout, **options
        )
    except ValueError as exc:
        raise unusable_url(url, exc) from None
    client = aioredis.Redis.from_pool(pool)  # the client owns the pool and closes it
    try:
        await client.ping()
    except redis.RedisError as exc:
        await client.aclose()
        raise unreachable(url, exc) from exc
    return client


async def open_redis(
    url: BackendURL, namespace: str, prefix: str, wait: ReplicaWait
) -> RedisMemory:
    """An async memory store on the Redis server (or Redis Cluster) at ``url``."""
    if url.backend == "redis_cluster":
        redis_scripts.check_cluster_prefix(prefix)
    client = await connect(url)
    return RedisMemory(url, namespace, prefix, client, wait)


class RedisMemory(RedisDriving, AsyncMemory):
    """An ``AsyncMemoryStore`` on Redis; every key it writes starts with ``prefix``. The
    operations are the sync store's (:class:`RedisOperations`); this class awaits them, and
    waits for ``replicas`` after each write as the sync store does."""

    _client: aioredis.Redis

    def __init__(
        self,
        url: BackendURL,
        namespace: str,
        prefix: str,
        client: aioredis.Redis,
        wait: ReplicaWait,
    ) -> None:
        self._keep(url, namespace, prefix, client, wait)

    def _perform(self, request: Command | Script | ScriptBatch | Scan) -> Awaitable[Any]:
        if isinstance(request, Command):
            return cast(Awaitable[Any], getattr(self._client, request.name)(*request.args))
        if isinstance(request, Script):
            return run_script(self._client, self._scripts[request.name], request, self._wait)
        if isinstance(request, Scan):
            return cast(
                Awaitable[Any],
                self._client.hscan(
                    request.key, request.cursor, match=request.match, count=request.count
                ),
            )
        return self._batch(request)

    def _meaning(self, error: Exception) -> Exception:
        """A server (or a cluster failing over) that cannot answer: ``BackendUnavailable``."""
        if not isinstance(error, _LOST):
            return error
        failure = stopped(self.url, error)
        failure.__cause__ = error  # as ``raise ... from error``
        return failure

    async def _batch(self, request: ScriptBatch) -> Any:
        script = self._scripts[request.name]
        if self._cluster or self._wait.replicas:  # the cluster pipeline refuses scripts
            return await run_batch(self._client, script, request.calls, self._wait)
        # All or nothing (one MULTI/EXEC), cancelled half-way or not.
        async with self._client.pipeline(transaction=True) as pipe:
            for keys, args in request.calls:
                await script(keys=keys, args=args, client=pipe)
            return await pipe.execute()

    async def close(self) -> None:
        await self._client.aclose()
