"""Memory on a 3-master Redis Cluster next to single Redis and the raw cluster client, one run.

    python benchmarks/cluster.py [--cluster URL] [--redis URL] [--ops N] [--rounds N]

For store, retrieve, store_many and retrieve_many it measures, interleaved and best of
``--rounds``: agentstore's memory on one Redis, the memory on the cluster, and redis-py's
cluster client doing the same commands the memory's work comes down to (SET/GET of the same
JSON text, pipelined for batches); then the ratios. Queue jobs/s (enqueue, claim, complete)
likewise: on one Redis, on the cluster, and the queue's own scripts run by the raw cluster
client. It also opens 300 stores and counts how many land on each master (the spread). The
cluster is ``--cluster``, else AGENTSTORE_TEST_REDIS_CLUSTER_URL, else a throwaway 3+3
cluster the harness starts and stops.
Everything runs under a key prefix of its own, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where benchmarks/queue.py would hide
# the standard library's queue: the repository's root takes its place.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from agentstore import open_memory  # noqa: E402
from agentstore.memory.redis_cluster import connect_cluster  # noqa: E402
from benchmarks.memory import VALUE, best_rate, chunks, keys, redis_prefix  # noqa: E402
from harness.isolation.redis_cluster_keys import delete_prefixed_cluster  # noqa: E402
from harness.servers.ladder import Provisioner  # noqa: E402
from harness.servers.redis_cluster import ENV_VAR, cluster_binaries, spawn_cluster  # noqa: E402
from support.cluster_memory import masters_keeping, scope  # noqa: E402


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


class RawCluster:
    """redis-py's cluster client: SET/GET of the same JSON text, pipelines for batches."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = connect_cluster(url)
        self.prefix = "{" + prefix + "raw}"  # one slot, as the memory keeps one store's keys

    def store(self, key: str, value: object) -> None:
        self.client.set(self.prefix + key, json.dumps(value))

    def retrieve(self, key: str) -> object:
        text = self.client.get(self.prefix + key)
        return None if text is None else json.loads(text)

    def store_many(self, mapping: dict[str, object]) -> None:
        pipe = self.client.pipeline()
        for k, v in mapping.items():
            pipe.set(self.prefix + k, json.dumps(v))
        pipe.execute()

    def retrieve_many(self, wanted: list[str]) -> dict[str, object]:
        texts = self.client.mget([self.prefix + k for k in wanted])
        return {k: json.loads(t) for k, t in zip(wanted, texts, strict=True) if t}

    def close(self) -> None:
        self.client.close()


@contextmanager
def cluster_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    provisioner = Provisioner()
    try:
        yield spawn_cluster(provisioner, cluster_binaries()[0]).url
    finally:
        provisioner.stop_all()


def jobs(client, ops: int, batch: int) -> dict[str, Callable[[], int]]:
    single, batched = keys(ops, "single"), keys(ops * 5, "batch")

    def each(fn: Callable[[str], object]) -> Callable[[], int]:
        def run() -> int:
            for key in single:
                fn(key)
            return len(single)

        return run

    def many(fn: Callable[[object], object], as_mapping: bool) -> Callable[[], int]:
        def run() -> int:
            for part in chunks(batched, batch):
                fn(dict.fromkeys(part, VALUE) if as_mapping else part)
            return len(batched)

        return run

    return {
        "store": each(lambda k: client.store(k, VALUE)),
        "retrieve": each(client.retrieve),
        "store_many": many(client.store_many, True),
        "retrieve_many": many(client.retrieve_many, False),
    }


def measure(clients: dict[str, object], ops: int, batch: int, rounds: int) -> dict:
    work = {name: jobs(client, ops, batch) for name, client in clients.items()}
    rates: dict[str, dict[str, float]] = {}
    for op in ("store", "retrieve", "store_many", "retrieve_many"):
        best = dict.fromkeys(clients, 0.0)
        for _ in range(rounds):  # interleaved: the machine's noise hits everyone alike
            for name in clients:
                best[name] = max(best[name], best_rate(work[name][op], 1))
        rates[op] = best
    return rates


def spread(url: str, prefix: str, stores: int) -> Counter[str]:
    scopes = [scope(n) for n in range(stores)]
    for s in scopes:
        with open_memory(url, prefix=prefix + s) as memory:
            memory.store("aqe/fact", 1)
    kept = masters_keeping(url, prefix, scopes)
    return Counter(next(iter(masters)) for masters in kept.values() if len(masters) == 1)


def measure_queues(single: str, single_prefix: str, url: str, prefix: str, args) -> dict:
    from agentstore import open_queue

    queues = {
        "queue, one Redis": open_queue(single, "bench", prefix=single_prefix),
        "queue, cluster": open_queue(url, "bench", prefix=prefix),
    }
    raw = RawQueue(url, prefix + "raw:")
    work = {name: (lambda q=q: library_jobs(q, args.jobs)) for name, q in queues.items()}
    work["raw cluster client, same scripts"] = lambda: raw.jobs(args.jobs)
    best = dict.fromkeys(work, 0.0)
    try:
        for _ in range(args.rounds):
            for name, run in work.items():
                best[name] = max(best[name], best_rate(run, 1))
    finally:
        for queue in queues.values():
            queue.close()
        raw.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default=os.environ.get(ENV_VAR))
    parser.add_argument(
        "--redis", default=os.environ.get("AGENTSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=500)
    args = parser.parse_args()
    prefix = f"agentstore_bench:{uuid.uuid4().hex[:8]}:"
    with cluster_url(args.cluster) as url, redis_prefix(args.redis) as single_prefix:
        clients = {
            "memory, one Redis": open_memory(args.redis, prefix=single_prefix),
            "memory, cluster": open_memory(url, prefix=prefix),
            "raw cluster client": RawCluster(url, prefix),
        }
        try:
            rates = measure(clients, args.ops, args.batch, args.rounds)
            stores = spread(url, prefix + "spread:", args.stores)
            queues = measure_queues(args.redis, single_prefix, url, prefix, args)
        finally:
            for client in clients.values():
                client.close()
            delete_prefixed_cluster(url, prefix)
    print(
        f"\nRedis Cluster, 3 masters + 3 replicas  ({args.ops} single ops, batches of "
        f"{args.batch}, best of {args.rounds} interleaved rounds)"
    )
    names = list(clients)
    print(
        f"  {'operation':<14}"
        + "".join(f"{n + ' ops/s':>26}" for n in names)
        + f"{'cluster/one':>13}{'memory/raw':>12}"
    )
    for op, best in rates.items():
        cells = "".join(f"{best[n]:>26,.0f}" for n in names)
        against_one = best["memory, cluster"] / best["memory, one Redis"]
        against_raw = best["memory, cluster"] / best["raw cluster client"]
        print(f"  {op:<14}{cells}{against_one:>13.0%}{against_raw:>12.0%}")
    print(f"\n  queue jobs/s (enqueue + claim + complete, {args.jobs} jobs)")
    for name, rate in queues.items():
        print(f"    {name:<34}{rate:>10,.0f}")
    print(
        f"    cluster/one {queues['queue, cluster'] / queues['queue, one Redis']:.0%}, "
        f"library/raw {queues['queue, cluster'] / queues['raw cluster client, same scripts']:.0%}"
    )
    total = sum(stores.values())
    shares = ", ".join(f"{n} ({n / total:.0%})" for n in sorted(stores.values(), reverse=True))
    print(f"\n  spread: {total} stores over {len(stores)} masters: {shares}")


if __name__ == "__main__":
    main()
