"""Looks underneath the memory API: is an entry still physically in storage?

The one place where the memory specification reads a backend directly, because the rule it
checks is about storage itself (an expired entry is really gone after cleanup), not about what
the API answers (the API never returns an expired entry at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from sqlalchemy import create_engine, text

from agentstore.memory.patterns import redis_literal
from agentstore.memory.redis_cluster import connect_cluster
from agentstore.urls import sqlalchemy_url
from harness.isolation.places import Isolated

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


@contextmanager
def _redis_servers(place: Isolated, prefix: str) -> Iterator[list[tuple[redis.Redis, str]]]:
    """Each server to scan with the MATCH pattern for names under ``prefix``: the one Redis,
    or every master of a cluster (a SCAN sees one node), where a store's hash tag may put a
    brace before the prefix."""
    if place.backend == "redis":
        with redis.Redis.from_url(place.url) as client:
            yield [(client, redis_literal(prefix) + "*")]
        return
    cluster = connect_cluster(place.url)
    try:
        match = "*" + redis_literal(prefix) + "*"
        yield [(node.redis_connection, match) for node in cluster.get_primaries()]
    finally:
        cluster.close()


def _redis_traces(place: Isolated, prefix: str, key: str) -> int:
    """How many Redis names under ``prefix`` still hold ``key``: as their value's name, or as
    a field or member of an index. Every name under the prefix is scanned, so this holds
    whatever layout the store chooses; a name that merely ends with the key counts too, which
    can only make a "nothing is left" check stricter, never let a leftover through."""
    wanted = key.encode()
    traces = 0
    with _redis_servers(place, prefix) as servers:
        for client, match in servers:
            for name in client.scan_iter(match=match, count=1000):
                kind = client.type(name)
                if kind == b"string":
                    traces += name.endswith(wanted)
                elif kind == b"hash":
                    traces += client.hexists(name, key)
                elif kind == b"set":
                    traces += client.sismember(name, key)
                elif kind != b"none":  # expired between SCAN and TYPE
                    raise AssertionError(
                        f"unexpected Redis {kind.decode()} {name!r} under {prefix!r}"
                    )
    return traces


def everything_stored(place: Isolated) -> list[str]:
    """Every memory entry in the place's whole database or file, whoever stored it, under any
    prefix; on Redis (one server shared by prefix) every name under the place's prefix."""
    if place.backend in ("redis", "redis_cluster"):
        with _redis_servers(place, place.prefix) as servers:
            return sorted(
                name.decode()
                for client, match in servers
                for name in client.scan_iter(match=match, count=1000)
            )
    engine = create_engine(sqlalchemy_url(place.url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT prefix, key FROM memory_entries"))
            return sorted(f"{prefix}{key}" for prefix, key in rows)
    finally:
        engine.dispose()
