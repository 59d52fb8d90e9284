"""Running the coordination Lua scripts on Redis: EVALSHA first, failures in one line."""

from __future__ import annotations

from typing import Any

import redis
from redis.commands.core import Script

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.memory.redis_backend import connect
from agentstore.urls import redact

__all__ = ["RedisScripts", "connect"]


class RedisScripts:
    """A client and the scripts registered on it; every key a script touches is in KEYS."""

    def __init__(self, url: str, sources: dict[str, str]) -> None:
        self.url = url
        self.client = connect(url)
        self.scripts: dict[str, Script] = {
            name: self.client.register_script(source) for name, source in sources.items()
        }

    def __call__(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """Run script ``name``; it is loaded only when the server does not know it yet."""
        script = self.scripts[name]
        try:
            try:
                return self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                return script(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise self.unavailable(error) from error

    def unavailable(self, error: Exception) -> errors.BackendUnavailable:
        return errors.BackendUnavailable(
            f"Redis at {redact(self.url)} stopped answering: {one_line(error)}"
        )

    def close(self) -> None:
        self.client.close()


#: Lua: the server's clock in milliseconds (TIME is allowed in scripts since Redis 5).
NOW_MS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""
