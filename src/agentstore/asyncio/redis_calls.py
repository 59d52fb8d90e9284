"""Running the coordination Lua scripts for asyncio: the sync ``RedisScripts``, awaited.

EVALSHA first, the script loaded only when the server does not know it; a server (or a
cluster failing over) that cannot answer is ``BackendUnavailable`` in the sync words.
"""

from __future__ import annotations

from typing import Any

from agentstore.asyncio.redis_replication import run_script
from agentstore.coordination.redis_calls import Scripts
from agentstore.driving import Script
from agentstore.memory.redis_cluster import UNAVAILABLE


class AsyncRedisScripts(Scripts):
    """An async client and the scripts registered on it; every key a script touches is in KEYS."""

    async def __call__(self, request: Script) -> Any:
        """Run ``request``'s script on the server, atomically; with ``replicas``, a script
        that writes then waits for them (``WriteNotReplicated`` when fewer confirm in time)."""
        try:
            return await run_script(self.client, self.scripts[request.name], request, self.wait)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error

    async def close(self) -> None:
        await self.client.aclose()
