"""Redis places: a key prefix per scenario, and deleting exactly the keys under it."""

from __future__ import annotations

import redis

from agentstore.memory.patterns import redis_literal


def delete_prefixed(url: str, prefix: str) -> int:
    """Delete every Redis key under ``prefix`` (and nothing else); returns how many."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    deleted = 0
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=redis_literal(prefix) + "*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                deleted += client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += client.unlink(*batch)
    finally:
        client.close()
    return deleted
