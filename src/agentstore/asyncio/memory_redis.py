"""The Redis memory for asyncio: ``redis.asyncio`` running the sync backend's own Lua scripts.

Layout, scripts, validation and errors come from :mod:`agentstore.memory` (``redis_scripts``,
``redis_backend``, ``validation``); this module only awaits them. Each write is one script,
atomic on the server, so a cancelled call either wrote a whole entry or nothing; redis-py
drops the connection a cancelled reply was pending on and puts it back in the pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, cast

import redis
import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from agentstore.asyncio.protocol import AsyncStoreLifecycle
from agentstore.memory import patterns, redis_scripts
from agentstore.memory.glob_match import glob_match
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.redis_backend import (
    _BATCH,
    _px,
    _text,
    client_options,
    stopped,
    unreachable,
)
from agentstore.memory.redis_backend import unusable as unusable_url
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.validation import (
    can_match,
    canonical,
    check_increment,
    check_key,
    check_partition,
    check_store,
    check_ttl,
    decode,
    encode,
    refused_increment,
    unique_keys,
)
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


async def open_redis(url: BackendURL, namespace: str, prefix: str) -> RedisMemory:
    """An async memory store on the Redis server (or Redis Cluster) at ``url``."""
    if url.backend == "redis_cluster":
        redis_scripts.check_cluster_prefix(prefix)
    return RedisMemory(url, namespace, prefix, await connect(url))


class RedisMemory(AsyncStoreLifecycle):
    """An ``AsyncMemoryStore`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(
        self, url: BackendURL, namespace: str, prefix: str, client: aioredis.Redis
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self._cluster = url.backend == "redis_cluster"
        self._base, self._index = redis_scripts.layout(namespace, prefix)
        self._client = client
        register = client.register_script
        self._store = register(redis_scripts.STORE)
        self._store_many = register(redis_scripts.STORE_MANY)
        self._delete = register(redis_scripts.DELETE)
        self._increment = register(redis_scripts.INCREMENT)
        self._cas = register(redis_scripts.COMPARE_AND_SET)
        self._live_batch = register(redis_scripts.LIVE_BATCH)
        self._stats_batch = register(redis_scripts.STATS_BATCH)
        self._clear_batch = register(redis_scripts.CLEAR_BATCH)

    async def _run(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        """EVALSHA straight away; the script is loaded only when the server does not know it."""
        try:
            try:
                return await self._client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return await script(keys=keys, args=args)
        except _LOST as exc:
            raise stopped(self.url, exc) from exc

    # -- the MemoryStore API, as coroutines -------------------------------------------------

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, _, seconds = check_store(key, value, ttl, partition, self.namespace)
        await self._run(
            self._store, [self._base + key, self._index], [text, _px(seconds), key, partition]
        )

    async def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        px = _px(check_ttl(ttl))
        check_partition(partition)
        items = [(check_key(key, self.namespace), encode(value)) for key, value in mapping.items()]
        if not items:
            return
        calls = [
            (
                [self._index, *(self._base + key for key, _ in chunk)],
                [px, partition, *(part for pair in chunk for part in pair)],
            )
            for chunk in (items[i : i + _BATCH] for i in range(0, len(items), _BATCH))
        ]
        if self._cluster:  # the cluster pipeline refuses scripts: MULTI/EXEC on the master
            from agentstore.asyncio.redis_cluster import run_batch

            try:
                await run_batch(cast(Any, self._client), self._store_many, calls)
            except _LOST as exc:
                raise stopped(self.url, exc) from exc
            return
        try:
            # All or nothing (one MULTI/EXEC), cancelled half-way or not.
            async with self._client.pipeline(transaction=True) as pipe:
                for keys, args in calls:
                    await self._store_many(keys=keys, args=args, client=pipe)
                await pipe.execute()
        except _LOST as exc:
            raise stopped(self.url, exc) from exc

    async def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        try:
            text = await self._client.get(self._base + key)
        except _LOST as exc:
            raise stopped(self.url, exc) from exc
        return default if text is None else decode(_text(text))

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return await self._values(unique_keys(keys, self.namespace))

    async def _values(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start : start + _BATCH]
                texts = await self._client.mget([self._base + key for key in chunk])
                found.update(
                    (key, decode(_text(text)))
                    for key, text in zip(chunk, texts, strict=True)
                    if text is not None
                )
        except _LOST as exc:
            raise stopped(self.url, exc) from exc
        return found

    async def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        return bool(await self._run(self._delete, [self._base + key, self._index], [key]))

    async def exists(self, key: str) -> bool:
        check_key(key, self.namespace)
        try:
            return bool(await self._client.exists(self._base + key))
        except _LOST as exc:
            raise stopped(self.url, exc) from exc

    async def ttl(self, key: str) -> float | None:
        check_key(key, self.namespace)
        try:
            left = await self._client.pttl(self._base + key)
        except _LOST as exc:
            raise stopped(self.url, exc) from exc
        if left == -2:
            raise KeyError(key)
        return None if left == -1 else left / 1000

    async def search(self, pattern: str) -> dict[str, Any]:
        if not can_match(pattern, "search pattern"):
            return {}
        match = patterns.redis_prefilter(pattern)
        try:
            fields = {
                field.decode()
                async for field, _ in self._client.hscan_iter(
                    self._index, match=match, count=_BATCH
                )
            }
        except _LOST as exc:
            raise stopped(self.url, exc) from exc
        return await self._values(sorted(key for key in fields if glob_match(pattern, key)))

    async def _walk(self, partition: str | None = None) -> AsyncIterator[list[str]]:
        """The store's keys (of one partition, or all), a batch at a time, by ``HSCAN``."""
        batch: list[str] = []
        seen: set[bytes] = set()
        try:
            async for field, part in self._client.hscan_iter(self._index, count=_BATCH):
                if field in seen:
                    continue
                seen.add(field)
                if partition is None or part.decode() == partition:
                    batch.append(field.decode())
                    if len(batch) == _BATCH:
                        yield batch
                        batch = []
        except _LOST as exc:
            raise stopped(self.url, exc) from exc
        if batch:
            yield batch

    async def _batch(self, script: AsyncScript, fields: list[str], *head: str) -> Any:
        keys = [self._index, *(self._base + field for field in fields)]
        return await self._run(script, keys, [*head, *fields])

    async def _live_keys(self, partition: str | None = None) -> list[str]:
        live: list[str] = []
        async for fields in self._walk(partition):
            live += (field.decode() for field in await self._batch(self._live_batch, fields))
        return live

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        live = await self._live_keys(None if partition is None else check_partition(partition))
        return sorted(key for key in live if key.startswith(scoped))

    async def clear_partition(self, partition: str) -> int:
        check_partition(partition)
        cleared = 0
        async for fields in self._walk(partition):
            cleared += int(await self._batch(self._clear_batch, fields, partition))
        return cleared

    async def stats(self) -> MemoryStats:
        keys = size = 0
        counts: dict[str, int] = {}
        async for fields in self._walk():
            out = await self._batch(self._stats_batch, fields)
            for length, name in zip(out[0::2], out[1::2], strict=True):
                keys += 1
                size += int(length)
                counts[name.decode()] = counts.get(name.decode(), 0) + 1
        return MemoryStats(keys=keys, bytes=size, partitions=dict(sorted(counts.items())))

    async def increment(self, key: str, by: int = 1) -> int:
        check_key(key, self.namespace)
        check_increment(by)
        try:
            text = await self._run(self._increment, [self._base + key, self._index], [by, key])
        except redis.ResponseError:  # not an integer, or the sum would overflow: unchanged
            raise refused_increment(key, by, await self.retrieve(key)) from None
        return int(text)

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None = None
    ) -> bool:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        new_text = encode(new)
        px = _px(check_ttl(ttl))
        nothing = "1" if expected is None else "0"
        value = self._base + key
        while True:
            current = wanted
            if expected is not None:
                try:
                    found = await self._client.get(value)
                except _LOST as exc:
                    raise stopped(self.url, exc) from exc
                if found is None:
                    return False
                current = _text(found)
                if current != wanted and canonical(decode(current)) != wanted:
                    return False
            # As the sync store: swap only if the exact text read is still there.
            args = [current, new_text, px, key, nothing]
            if await self._run(self._cas, [value, self._index], args):
                return True
            if expected is None:
                return False

    async def cleanup_expired(self) -> int:
        """Redis removes expired values itself; this only prunes their index entries."""
        await self._live_keys()
        return 0

    async def close(self) -> None:
        await self._client.aclose()
