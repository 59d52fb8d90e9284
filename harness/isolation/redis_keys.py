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
    """Delete every key under ``prefix`` (or ``{prefix``), on every master; returns how many.
    Every batch is unlinked while the master's connection is open (none is opened again)."""
    deleted = 0
    with redis_scan.masters(url) as masters:
        for _, server in masters:
            batch: list[bytes] = []
            for name in redis_scan.names(server, redis_scan.under(prefix)):
                batch.append(name)
                if len(batch) >= BATCH:
                    deleted += _unlink(server, batch)
                    batch.clear()
            if batch:
                deleted += _unlink(server, batch)
    return deleted


def _unlink(server, names: list[bytes]) -> int:
    pipe = server.pipeline(transaction=False)
    for name in names:  # one key per command: on a cluster, one slot each
        pipe.unlink(name)
    return sum(pipe.execute())
