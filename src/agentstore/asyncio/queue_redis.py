"""The work queue for asyncio on Redis or a Redis Cluster: the sync queue's own operations,
Lua scripts and key layout (one hash tag per queue), awaited on ``redis.asyncio``.

Every operation is one script, atomic on the server. A claim cancelled before it returns
either took no job, or took one the caller never heard of: that job's lease then lapses and
the next claim takes it over, as it would from a worker that died.
"""

from __future__ import annotations

from typing import Any

from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.queue_shell import AsyncQueueShell
from agentstore.asyncio.redis_calls import AsyncRedisScripts
from agentstore.coordination import queue_redis
from agentstore.driving import Script
from agentstore.memory.opening import ReplicaWait
from agentstore.urls import BackendURL


async def open_redis_queue(
    url: BackendURL, ops: queue_redis.RedisQueueOperations, wait: ReplicaWait
) -> RedisQueue:
    """The queue of ``ops`` on the Redis server or cluster at ``url``; every change waits for
    replicas as ``wait`` says, as the sync queue's."""
    client = await connect(url)
    return RedisQueue(url, ops, AsyncRedisScripts(url, client, queue_redis._SCRIPTS, wait))


class RedisQueue(AsyncQueueShell):
    """An async ``Queue`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(
        self, url: BackendURL, ops: queue_redis.RedisQueueOperations, scripts: AsyncRedisScripts
    ) -> None:
        self.url = url
        self.name = ops.name
        self.prefix = ops.prefix
        self._ops = ops
        self._scripts = scripts

    def __repr__(self) -> str:
        return f"<async RedisQueue {self.name!r}>"

    async def _perform(self, request: Script) -> Any:
        return await self._scripts(request)

    async def close(self) -> None:
        await self._scripts.close()
