"""Running the coordination Lua scripts for asyncio: the sync ``RedisScripts``, awaited.

EVALSHA first, the script loaded only when the server does not know it; a server (or a
cluster failing over) that cannot answer is ``BackendUnavailable`` in the sync words.
"""

from __future__ import annotations

from typing import Any

import redis

from agentstore.asyncio.redis_replication import run_confirmed
from agentstore.coordination.redis_calls import Scripts
from agentstore.memory.redis_cluster import UNAVAILABLE


class AsyncRedisScripts(Scripts):
    """An async client and the scripts registered on it; every key a script touches is in KEYS."""

    async def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name`` on the server, atomically; with ``replicas``, a script that
        writes then waits for them (``WriteNotReplicated`` when fewer confirm in time)."""
        script = self.scripts[name]
        try:
            if where := self.confirmed(name):
                return await run_confirmed(
                    self.client, script, keys, args, self.replicas, self.replica_timeout, where
                )
            try:
                return await self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return await script(keys=keys, args=args)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error

    async def close(self) -> None:
        await self.client.aclose()
