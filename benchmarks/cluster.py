"""Memory and queue on a 3-master Redis Cluster next to one Redis and the raw cluster client.

For store, retrieve, store_many and retrieve_many (``benchmarks.memory``'s jobs), interleaved
and best of the rounds: agentstore's memory on one Redis, the memory on the cluster, and
redis-py's cluster client doing the same commands the memory's work comes down to (SET/GET
of the same JSON text, pipelined for batches). Queue jobs/s (enqueue, claim, complete)
likewise: on one Redis, on the cluster, and the queue's own scripts run by the raw cluster
client. It also opens 300 stores and finds the share the busiest master keeps (even: 1/3).
The cluster is AGENTSTORE_TEST_REDIS_CLUSTER_URL, else a throwaway 3+3 cluster the harness
starts and stops; with neither the family is skipped, saying why.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from agentstore import open_memory, open_queue
from agentstore.memory.redis_cluster import connect_cluster
from benchmarks.common import (
    MEMORY_BATCH,
    MEMORY_SINGLE,
    Row,
    Settings,
    best_rates,
    keys,
    redis_prefix,
    row,
)
from benchmarks.memory import RawRedis, jobs
from harness.isolation.redis_keys import delete_prefixed
from harness.servers.ladder import Provisioner
from harness.servers.redis_cluster import cluster_binaries, spawn_cluster
from support.cluster.stores import masters_keeping, scope

STORES = 300


class RawQueue:
    """The queue's own scripts run by redis-py's cluster client: the same commands, no layer."""

    def __init__(self, url: str, prefix: str) -> None:
        from agentstore.coordination.queue_redis import _SCRIPTS, queue_keys

        self.client = connect_cluster(url)
        self.keys = queue_keys(prefix, "bench")
        self.scripts = {name: self.client.register_script(src) for name, src in _SCRIPTS.items()}

    def _call(self, name: str, *args: object) -> object:
        return self.scripts[name](keys=self.keys, args=list(args))

    def jobs(self, count: int) -> int:
        for n in range(count):
            self._call("enqueue", json.dumps({"n": n}), 3, 0, "in", "0.0")
        for _ in range(count):
            job_id, _payload, _attempts, _max = self._call("claim", uuid.uuid4().hex, "w", 30000)
            self._call("complete", job_id, "", "null")
        return count

    def close(self) -> None:
        self.client.close()


def library_jobs(queue, count: int) -> int:
    for n in range(count):
        queue.enqueue({"n": n})
    for _ in range(count):
        queue.complete(queue.claim("w"))
    return count


class RawCluster(RawRedis):
    """redis-py's cluster client: SET/GET of the same JSON text, pipelines and MGET for
    batches, all keys in one slot as the memory keeps one store's keys."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = connect_cluster(url)
        self.prefix = "{" + prefix + "raw}"

    def retrieve_many(self, wanted: list[str]) -> dict[str, object]:
        texts = self.client.mget([self.prefix + k for k in wanted])
        return {k: json.loads(t) for k, t in zip(wanted, texts, strict=True) if t}


@contextmanager
def cluster_place(given: str | None) -> Iterator[tuple[str, str]]:
    """A cluster URL (given, or a throwaway cluster) and a key prefix, cleaned up after."""
    provisioner = None
    if not given:
        provisioner = Provisioner()
        given = spawn_cluster(provisioner, cluster_binaries()[0]).url
    prefix = f"agentstore_bench:{uuid.uuid4().hex[:8]}:"
    try:
        yield given, prefix
    finally:
        delete_prefixed(given, prefix)
        if provisioner is not None:
            provisioner.stop_all()


def spread(url: str, prefix: str, stores: int) -> Counter[str]:
    scopes = [scope(n) for n in range(stores)]
    for s in scopes:
        with open_memory(url, prefix=prefix + s) as memory:
            memory.store("aqe/fact", 1)
    kept = masters_keeping(url, prefix, scopes)
    return Counter(next(iter(masters)) for masters in kept.values() if len(masters) == 1)


def memory_rows(
    url: str, prefix: str, single_url: str, single_prefix: str, settings: Settings
) -> list[Row]:
    clients: dict[str, Any] = {
        "memory, one Redis": open_memory(single_url, prefix=single_prefix),
        "memory, cluster": open_memory(url, prefix=prefix),
        "raw cluster client": RawCluster(url, prefix),
    }
    rows = []
    try:
        for size in settings.scaled(10):
            work = {
                n: jobs(c, keys(size, f"s{size}"), keys(size * 5, f"b{size}"))
                for n, c in clients.items()
            }
            for op in ("store", "retrieve", "store_many", "retrieve_many"):
                best = best_rates({n: w[op] for n, w in work.items()}, settings.rounds_for(size))
                target = MEMORY_BATCH if op.endswith("many") else MEMORY_SINGLE
                rows.append(
                    row(
                        "cluster",
                        op,
                        "redis_cluster",
                        size,
                        best["memory, cluster"],
                        "ops/s",
                        best["raw cluster client"],
                        "raw cluster client",
                        target,
                    )
                )
                rows.append(
                    row(
                        "cluster",
                        f"{op} (vs one Redis)",
                        "redis_cluster",
                        size,
                        best["memory, cluster"],
                        "ops/s",
                        best["memory, one Redis"],
                        "memory, one Redis",
                    )
                )
    finally:
        for client in clients.values():
            client.close()
    return rows


def queue_rows(
    url: str, prefix: str, single_url: str, single_prefix: str, settings: Settings
) -> list[Row]:
    rows = []
    for size in settings.scaled(50):
        queues = {
            "one Redis": open_queue(single_url, f"bench{size}", prefix=single_prefix),
            "cluster": open_queue(url, f"bench{size}", prefix=prefix),
        }
        raw = RawQueue(url, prefix + f"raw{size}:")
        work: dict[str, Callable[[], int]] = {
            name: (lambda q=q, n=size: library_jobs(q, n)) for name, q in queues.items()
        }
        work["raw"] = lambda r=raw, n=size: r.jobs(n)
        try:
            best = best_rates(work, settings.rounds_for(size))
        finally:
            for queue in queues.values():
                queue.close()
            raw.close()
        rows.append(
            row(
                "cluster",
                "queue jobs",
                "redis_cluster",
                size,
                best["cluster"],
                "jobs/s",
                best["raw"],
                "raw cluster client, same scripts",
            )
        )
        rows.append(
            row(
                "cluster",
                "queue jobs (vs one Redis)",
                "redis_cluster",
                size,
                best["cluster"],
                "jobs/s",
                best["one Redis"],
                "queue, one Redis",
            )
        )
    return rows


def run(settings: Settings) -> list[Row]:
    if not settings.cluster and not cluster_binaries():
        return settings.skip(
            "cluster", "no AGENTSTORE_TEST_REDIS_CLUSTER_URL and no redis-server with redis-cli"
        )
    with cluster_place(settings.cluster) as (url, prefix), redis_prefix(settings.redis) as single:
        rows = memory_rows(url, prefix, settings.redis, single, settings)
        rows += queue_rows(url, prefix, settings.redis, single, settings)
        stores = spread(url, prefix + "spread:", STORES)
    share = max(stores.values()) / sum(stores.values())
    rows.append(
        row(
            "cluster",
            "stores on the busiest master",
            "redis_cluster",
            STORES,
            share,
            "share",
            1 / len(stores),
            "an even share",
        )
    )
    return rows
