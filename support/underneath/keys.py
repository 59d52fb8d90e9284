"""Looks underneath the memory API: is an entry still physically in storage?

The one place where the memory specification reads a backend directly, because the rule it
checks is about storage itself (an expired entry is really gone after cleanup), not about what
the API answers (the API never returns an expired entry at all).
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
from sqlalchemy import create_engine, text

from agentstore.urls import sqlalchemy_url
from harness.isolation.places import Isolated
from harness.servers import redis_scan

MEMORY_TABLE = "memory_entries"
"""Where the SQL backends keep memory entries (a lock on it stalls every memory call)."""


def physically_stored(place: Isolated, key: str, scope: str = "") -> bool:
    """True if any trace of ``key`` remains in the place's storage, expired or not."""
    prefix = place.prefix + scope
    if place.backend in ("redis", "redis_cluster"):
        return _redis_traces(place, prefix, key) > 0
    engine = create_engine(sqlalchemy_url(place.url))
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM memory_entries WHERE prefix = :prefix AND key = :key"),
                {"prefix": prefix, "key": key},
            ).scalar_one()
    finally:
        engine.dispose()
    return count > 0


def _names(place: Isolated, prefix: str) -> Iterator[tuple[redis.Redis, bytes]]:
    """Each Redis name under ``prefix`` (on a cluster: every master's, where a store's hash
    tag may put a brace before it), with a client of the node that keeps it."""
    patterns = redis_scan.under(prefix) if place.backend == "redis" else redis_scan.holding(prefix)
    for found in redis_scan.scan(place.url, patterns):
        yield found.server, found.name


def _redis_traces(place: Isolated, prefix: str, key: str) -> int:
    """How many Redis names under ``prefix`` still hold ``key``: as their value's name, or as
    a field or member of an index. Every name under the prefix is scanned, so this holds
    whatever layout the store chooses; a name that merely ends with the key counts too, which
    can only make a "nothing is left" check stricter, never let a leftover through."""
    wanted = key.encode()
    traces = 0
    for client, name in _names(place, prefix):
        kind = client.type(name)
        if kind == b"string":
            traces += name.endswith(wanted)
        elif kind == b"hash":
            traces += client.hexists(name, key)
        elif kind == b"set":
            traces += client.sismember(name, key)
        elif kind != b"none":  # expired between SCAN and TYPE
            raise AssertionError(f"unexpected Redis {kind.decode()} {name!r} under {prefix!r}")
    return traces


def everything_stored(place: Isolated) -> list[str]:
    """Every memory entry in the place's whole database or file, whoever stored it, under any
    prefix; on Redis (one server shared by prefix) every name under the place's prefix."""
    if place.backend in ("redis", "redis_cluster"):
        return sorted(name.decode() for _, name in _names(place, place.prefix))
    engine = create_engine(sqlalchemy_url(place.url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT prefix, key FROM memory_entries"))
            return sorted(f"{prefix}{key}" for prefix, key in rows)
    finally:
        engine.dispose()
