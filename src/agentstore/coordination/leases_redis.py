"""Named leases on Redis: the holder is a hash with Redis's own expiry, the token a counter
that never expires, both under one hash tag (``P{lease:name}:holder`` / ``...:token``).

Acquiring takes the name only when no holder key exists and raises the counter, so tokens
grow with every holder and are never given twice, also after a release or an expiry.

Replication is asynchronous: if a master dies before its replica has the latest raise of
the counter, the replica that takes over gives that token again. With ``replicas=n`` every
change waits until ``n`` replicas have it (or raises ``WriteNotReplicated``), so a token a
replica confirmed is not given twice.
"""

from __future__ import annotations

import math

from agentstore.coordination.protocol import Closing, Lease
from agentstore.coordination.redis_calls import RedisScripts
from agentstore.coordination.validation import check_duration, check_name
from agentstore.memory.redis_cluster import UNAVAILABLE
from agentstore.urls import BackendURL

_SCRIPTS = {
    # KEYS: holder, token. ARGV: owner, ttl ms. Returns the new token or false.
    "acquire": """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token
""",
    # KEYS: holder. ARGV: owner, token, ttl ms.
    "extend": """
local held = redis.call('HMGET', KEYS[1], 'owner', 'token')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[3])
""",
    # KEYS: holder. ARGV: owner, token.
    "release": """
local held = redis.call('HMGET', KEYS[1], 'owner', 'token')
if held[1] ~= ARGV[1] or held[2] ~= ARGV[2] then return 0 end
return redis.call('DEL', KEYS[1])
""",
}


class RedisLeases(Closing):
    """``Leases`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(
        self, url: BackendURL, *, prefix: str = "", replicas: int = 0, replica_timeout: float = 1.0
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._run = RedisScripts(url, _SCRIPTS, replicas, replica_timeout)

    def _keys(self, name: str) -> list[str]:
        tag = f"{self.prefix}{{lease:{name}}}:"
        return [tag + "holder", tag + "token"]

    def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Hold ``name`` for ``ttl`` seconds, or ``None`` while someone else holds it."""
        keys = self._keys(check_name(name, "lease"))
        ms = _ms(check_duration(ttl, "lease TTL"))
        token = self._run("acquire", keys, [check_name(owner, "owner"), ms])
        return Lease(name, owner, int(token)) if token else None

    def extend(self, lease: Lease, ttl: float) -> bool:
        """Hold the lease ``ttl`` more seconds from now; ``False`` if it is no longer held."""
        ms = _ms(check_duration(ttl, "lease TTL"))
        args = [lease.owner, str(lease.token), ms]
        return bool(self._run("extend", self._keys(lease.name)[:1], args))

    def release(self, lease: Lease) -> bool:
        """Give the lease up; ``False`` if this holder had already lost it."""
        args = [lease.owner, str(lease.token)]
        return bool(self._run("release", self._keys(lease.name)[:1], args))

    def holder(self, name: str) -> Lease | None:
        """Who holds ``name`` now, or ``None``."""
        key = self._keys(check_name(name, "lease"))[0]
        try:
            owner, token = self._run.client.hmget(key, "owner", "token")
        except UNAVAILABLE as error:
            raise self._run.unavailable(error) from error
        if not (owner and token):
            return None
        return Lease(name, owner.decode() if isinstance(owner, bytes) else owner, int(token))

    def close(self) -> None:
        self._run.close()


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
