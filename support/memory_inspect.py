"""Looks underneath the memory API: is an entry still physically in storage?

The one place where the memory specification reads a backend directly, because the rule it
checks is about storage itself (an expired entry is really gone after cleanup), not about what
the API answers (the API never returns an expired entry at all).
"""

from __future__ import annotations

import redis
from sqlalchemy import create_engine, text

from agentstore.urls import sqlalchemy_url
from support.isolation import Isolated
from support.memory_agents import NAMESPACE


def physically_stored(place: Isolated, key: str, scope: str = "") -> bool:
    """True if any trace of ``key`` remains in the place's storage, expired or not."""
    prefix = place.prefix + scope
    if place.backend == "redis":
        with redis.Redis.from_url(place.url) as client:
            value = client.exists(prefix + key)
            # The store's own index of keys (see agentstore.memory.redis_scripts).
            indexed = client.hexists(f"{prefix}{NAMESPACE}\x1fkeys", key)
            return bool(value or indexed)
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
