"""Redis Cluster places: a key prefix per scenario, and deleting exactly its keys on every master.

A store keeps its keys in one hash slot, so its names may start with the hash tag's ``{``: both
``prefix...`` and ``{prefix...`` are the scenario's. Each master is scanned on its own (a SCAN
sees one node only) and its keys are unlinked there, one key per command (one slot each).
"""

from __future__ import annotations

from agentstore.memory.patterns import redis_literal
from agentstore.memory.redis_cluster import connect_cluster


def delete_prefixed_cluster(url: str, prefix: str) -> int:
    """Delete every key under ``prefix`` (or ``{prefix``) on every master; returns how many."""
    client = connect_cluster(url, timeout=5)
    deleted = 0
    try:
        for node in client.get_primaries():
            server = node.redis_connection
            for match in (redis_literal(prefix) + "*", redis_literal("{" + prefix) + "*"):
                keys = list(server.scan_iter(match=match, count=1000))
                for start in range(0, len(keys), 500):
                    pipe = server.pipeline(transaction=False)
                    for key in keys[start : start + 500]:
                        pipe.unlink(key)
                    deleted += sum(pipe.execute())
    finally:
        client.close()
    return deleted
