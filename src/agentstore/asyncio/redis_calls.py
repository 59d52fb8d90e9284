"""Running the coordination Lua scripts for asyncio: the sync ``RedisScripts``, awaited.

EVALSHA first, the script loaded only when the server does not know it; a server (or a
cluster failing over) that cannot answer is ``BackendUnavailable`` in the sync words.
"""

from __future__ import annotations

from typing import Any

import redis

from agentstore import errors
from agentstore.asyncio.redis_replication import run_confirmed
from agentstore.coordination.redis_calls import unavailable
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL


class AsyncRedisScripts:
    """An async client and the scripts registered on it; every key a script touches is in KEYS."""

    def __init__(
        self,
        url: BackendURL,
        client: Any,
        sources: dict[str, str],
        replicas: int = 0,
        replica_timeout: float = 1.0,
        reads: frozenset[str] = frozenset(),
    ) -> None:
        self.url = url
        self.client = client
        self.replicas = replicas
        self.replica_timeout = replica_timeout
        self.reads = reads  # scripts that change nothing: no replica has anything to confirm
        self.scripts = {name: client.register_script(text) for name, text in sources.items()}

    async def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name`` on the server, atomically; with ``replicas``, a script that
        writes then waits for them (``WriteNotReplicated`` when fewer confirm in time)."""
        script = self.scripts[name]
        try:
            if self.replicas and name not in self.reads:
                where = f"Redis at {self.url.redacted}"
                return await run_confirmed(
                    self.client, script, keys, args, self.replicas, self.replica_timeout, where
                )
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
