"""Redis places: a key prefix per scenario, and deleting exactly the keys under it.

On a Redis Cluster every master is scanned on its own (:mod:`harness.servers.redis_scan`) and
its keys are unlinked there, one key per command (one slot each); a store keeps its keys in
one hash slot, so its names may start with the hash tag's ``{``: both ``prefix...`` and
``{prefix...`` are the scenario's.
"""

from __future__ import annotations

from harness.servers import redis_scan

BATCH = 500


def delete_prefixed(url: str, prefix: str) -> int:
    """Delete every key under ``prefix`` (or ``{prefix``), on every master; returns how many."""
    deleted = 0
    batches: dict[str, list[bytes]] = {}
    servers = {}
    for found in redis_scan.scan(url, redis_scan.under(prefix)):
        servers[found.master] = found.server
        batch = batches.setdefault(found.master, [])
        batch.append(found.name)
        if len(batch) >= BATCH:
            deleted += _unlink(found.server, batch)
            batch.clear()
    for master, batch in batches.items():
        if batch:
            deleted += _unlink(servers[master], batch)
    return deleted


def _unlink(server, names: list[bytes]) -> int:
    pipe = server.pipeline(transaction=False)
    for name in names:  # one key per command: on a cluster, one slot each
        pipe.unlink(name)
    return sum(pipe.execute())
