"""Running the coordination Lua scripts for asyncio: the sync ``RedisScripts``, awaited.

EVALSHA first, the script loaded only when the server does not know it; a server (or a
cluster failing over) that cannot answer is ``BackendUnavailable`` in the sync words.
"""

from __future__ import annotations

from typing import Any

import redis

from agentstore import errors
from agentstore.coordination.redis_calls import unavailable
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL


class AsyncRedisScripts:
    """An async client and the scripts registered on it; every key a script touches is in KEYS."""

    def __init__(self, url: BackendURL, client: Any, sources: dict[str, str]) -> None:
        self.url = url
        self.client = client
        self.scripts = {name: client.register_script(text) for name, text in sources.items()}

    async def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name`` on the server, atomically."""
        script = self.scripts[name]
        try:
            try:
                return await self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return await script(keys=keys, args=args)
        except UNAVAILABLE as error:
            raise self.unavailable(error) from error

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)

    async def close(self) -> None:
        await self.client.aclose()
