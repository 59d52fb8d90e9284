"""Running the coordination Lua scripts on Redis: EVALSHA first, failures in one line.

With ``replicas`` each script is followed by WAIT on the same connection (see
:mod:`agentstore.memory.redis_replication`): the call returns once that many replicas have
its writes, or raises ``WriteNotReplicated``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.driving import Script
from agentstore.memory.opening import NO_WAIT, ReplicaWait
from agentstore.memory.redis_backend import connect
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.redis_replication import run_script
from agentstore.urls import BackendURL

__all__ = ["RedisScripts", "Scripts", "connect", "unavailable"]


class Scripts:
    """A client (sync or async) and the scripts registered on it; a script the operations
    mark as a write waits for ``wait.replicas`` replicas. Every key a script touches is in
    KEYS."""

    def __init__(
        self,
        url: BackendURL,
        client: Any,
        sources: dict[str, str],
        wait: ReplicaWait = NO_WAIT,
    ) -> None:
        self.url = url
        self.client = client
        # how many replicas a write waits for, how long, and where it is told to be
        self.wait = replace(wait, where=f"Redis at {url.redacted}")
        self.scripts = {name: client.register_script(text) for name, text in sources.items()}

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)


class RedisScripts(Scripts):
    """The sync client of ``url`` and its scripts."""

    def __init__(
        self, url: BackendURL, sources: dict[str, str], wait: ReplicaWait = NO_WAIT
    ) -> None:
        super().__init__(url, connect(url), sources, wait)

    def __call__(self, request: Script) -> Any:
        """Run ``request``'s script (see ``run_script``)."""
        try:
            return run_script(self.client, self.scripts[request.name], request, self.wait)
        except UNAVAILABLE as error:  # a cluster failing over, too
            raise self.unavailable(error) from error

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
