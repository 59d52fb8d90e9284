"""Running the coordination Lua scripts on Redis: EVALSHA first, failures in one line.

With ``replicas`` each script is followed by WAIT on the same connection (see
:mod:`agentstore.memory.redis_replication`): the call returns once that many replicas have
its writes, or raises ``WriteNotReplicated``.
"""

from __future__ import annotations

from typing import Any

import redis
from redis.commands.core import Script

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.memory.redis_backend import connect
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.redis_replication import run_confirmed
from agentstore.urls import BackendURL

__all__ = ["RedisScripts", "connect", "unavailable"]


class RedisScripts:
    """A client and the scripts registered on it; every key a script touches is in KEYS."""

    def __init__(
        self,
        url: BackendURL,
        sources: dict[str, str],
        replicas: int = 0,
        replica_timeout: float = 1.0,
        reads: frozenset[str] = frozenset(),
    ) -> None:
        self.url = url
        self.replicas = replicas
        self.replica_timeout = replica_timeout
        self.reads = reads  # scripts that change nothing: no replica has anything to confirm
        self.client = connect(url)
        self.scripts: dict[str, Script] = {
            name: self.client.register_script(source) for name, source in sources.items()
        }

    def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name``; it is loaded only when the server does not know it yet."""
        script = self.scripts[name]
        try:
            if self.replicas and name not in self.reads:
                where = f"Redis at {self.url.redacted}"
                return run_confirmed(
                    self.client, script, keys, args, self.replicas, self.replica_timeout, where
                )
            try:
                return self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return script(keys=keys, args=args)
        except UNAVAILABLE as error:  # a cluster failing over, too
            raise self.unavailable(error) from error

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)

    def close(self) -> None:
        self.client.close()


def unavailable(url: BackendURL, error: Exception) -> errors.BackendUnavailable:
    """A Redis server (or a cluster failing over) that did not answer, in one line."""
    text = f"Redis at {url.redacted} stopped answering: {one_line(error)}"
    return errors.BackendUnavailable(text)


#: Lua: the server's clock in milliseconds (TIME is allowed in scripts since Redis 5).
NOW_MS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""
