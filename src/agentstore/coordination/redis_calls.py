"""Running the coordination Lua scripts on Redis: EVALSHA first, failures in one line.

With ``replicas`` each script is followed by WAIT on the same connection (see
:mod:`agentstore.memory.redis_replication`): the call returns once that many replicas have
its writes, or raises ``WriteNotReplicated``.
"""

from __future__ import annotations

from typing import Any

import redis

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.memory.redis_backend import connect
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.memory.redis_replication import run_confirmed
from agentstore.urls import BackendURL

__all__ = ["RedisScripts", "Scripts", "connect", "unavailable"]


class Scripts:
    """A client (sync or async) and the scripts registered on it, with the replica wait that
    follows every script but the ``reads``; every key a script touches is in KEYS."""

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

    def confirmed(self, name: str) -> str | None:
        """Where script ``name``'s writes wait for replicas (for the message), or ``None``
        when it does not wait."""
        return f"Redis at {self.url.redacted}" if self.replicas and name not in self.reads else None

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return unavailable(self.url, error)


class RedisScripts(Scripts):
    """The sync client of ``url`` and its scripts."""

    def __init__(
        self,
        url: BackendURL,
        sources: dict[str, str],
        replicas: int = 0,
        replica_timeout: float = 1.0,
        reads: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(url, connect(url), sources, replicas, replica_timeout, reads)

    def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name``; it is loaded only when the server does not know it yet."""
        script = self.scripts[name]
        try:
            if where := self.confirmed(name):
                return run_confirmed(
                    self.client, script, keys, args, self.replicas, self.replica_timeout, where
                )
            try:  # EVALSHA first: redis-py's Script() costs an import per call
                return self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return script(keys=keys, args=args)
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
