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
from typing import Any

from agentstore.coordination.leases_shell import LeasesShell
from agentstore.coordination.protocol import Lease
from agentstore.coordination.redis_calls import RedisScripts
from agentstore.coordination.validation import check_duration, check_name
from agentstore.driving import Command, Operation, Script
from agentstore.memory.opening import ReplicaWait
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


class RedisLeaseOperations:
    """The leases' operations on Redis; every key they write starts with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def _keys(self, name: str) -> list[str]:
        tag = f"{self.prefix}{{lease:{name}}}:"
        return [tag + "holder", tag + "token"]

    def acquire(self, name: str, owner: str, ttl: float) -> Operation[Lease | None]:
        keys = self._keys(check_name(name, "lease"))
        ms = _ms(check_duration(ttl, "lease TTL"))
        token = yield Script("acquire", keys, [check_name(owner, "owner"), ms], write=True)
        return Lease(name, owner, int(token)) if token else None

    def extend(self, lease: Lease, ttl: float) -> Operation[bool]:
        ms = _ms(check_duration(ttl, "lease TTL"))
        args = [lease.owner, str(lease.token), ms]
        return bool((yield Script("extend", self._keys(lease.name)[:1], args, write=True)))

    def release(self, lease: Lease) -> Operation[bool]:
        args = [lease.owner, str(lease.token)]
        return bool((yield Script("release", self._keys(lease.name)[:1], args, write=True)))

    def holder(self, name: str) -> Operation[Lease | None]:
        key = self._keys(check_name(name, "lease"))[0]
        owner, token = yield Command("hmget", (key, "owner", "token"))
        if not (owner and token):
            return None
        return Lease(name, owner.decode() if isinstance(owner, bytes) else owner, int(token))


class RedisLeases(LeasesShell):
    """``Leases`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(self, url: BackendURL, prefix: str, wait: ReplicaWait) -> None:
        self.url = url
        self.prefix = prefix
        self._ops = RedisLeaseOperations(prefix)
        self._scripts = RedisScripts(url, _SCRIPTS, wait)

    def _perform(self, request: Script | Command) -> Any:
        if isinstance(request, Script):
            return self._scripts(request)
        try:
            return getattr(self._scripts.client, request.name)(*request.args)
        except UNAVAILABLE as error:
            raise self._scripts.unavailable(error) from error

    def close(self) -> None:
        self._scripts.close()


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
