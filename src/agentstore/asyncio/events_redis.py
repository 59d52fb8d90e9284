"""Events on Redis pub/sub for asyncio: the sync events' channels and choices
(:mod:`agentstore.coordination.events_redis`), on ``redis.asyncio``.

On a Redis Cluster whose masters all have sharded pub/sub (Redis 7) the events go by
SPUBLISH/SSUBSCRIBE, on a Redis 6 cluster by classic PUBLISH/SUBSCRIBE, decided once when the
events are opened, as the sync events decide: sync and async subscribers hear each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio.cluster import RedisCluster

from agentstore import errors
from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.protocol import AsyncClosing, AsyncIterableSubscription
from agentstore.coordination.events_redis import all_sharded, channel_key, confirmation, next_event
from agentstore.coordination.redis_calls import unavailable
from agentstore.coordination.validation import check_event
from agentstore.driving import run_async
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL

Read = Callable[[float | None], Awaitable[Any]]


async def open_redis_events(url: BackendURL, prefix: str) -> RedisEvents:
    """The events on the Redis server or cluster at ``url``."""
    client = await connect(url)
    try:
        sharded = isinstance(client, RedisCluster) and all_sharded(
            await client.info("server", target_nodes=RedisCluster.PRIMARIES)
        )
    except UNAVAILABLE as error:
        await client.aclose()
        raise unavailable(url, error) from error
    return RedisEvents(url, prefix, client, sharded)


class RedisSubscription(AsyncIterableSubscription):
    """Events of one channel, read one at a time."""

    def __init__(self, read: Read, url: BackendURL) -> None:
        self._read = read
        self._url = url

    async def next(self, timeout: float | None = None) -> Any | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        try:
            return await run_async(next_event(timeout), self._read)
        except UNAVAILABLE as error:
            raise unavailable(self._url, error) from error


class RedisEvents(AsyncClosing):
    """Async ``Events`` on Redis or a Redis Cluster; every channel starts with ``prefix``."""

    def __init__(self, url: BackendURL, prefix: str, client: Any, sharded: bool) -> None:
        self.url = url
        self.prefix = prefix
        self._client = client
        self._sharded = sharded

    def _channel(self, channel: str) -> str:
        return channel_key(self.prefix, channel)

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)

    async def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        key, text = self._channel(channel), check_event(payload)
        try:
            if self._sharded:
                await self._client.spublish(key, text)
            else:
                await self._client.publish(key, text)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[RedisSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        key = self._channel(channel)
        pubsub = self._client.pubsub()
        try:
            if self._sharded:
                await pubsub.ssubscribe(key)
                read = _reader(pubsub.get_sharded_message)
            else:
                await pubsub.subscribe(key)
                read = _reader(pubsub.get_message)
            await run_async(confirmation(), read)
            yield RedisSubscription(read, self.url)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error
        finally:
            await pubsub.aclose()

    async def close(self) -> None:
        await self._client.aclose()


def _reader(get: Callable[..., Awaitable[Any]]) -> Read:
    """One message (or ``None``) within ``timeout`` seconds from ``get``."""
    return lambda timeout: get(timeout=timeout)
