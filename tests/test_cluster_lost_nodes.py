"""Stores on a Redis Cluster whose nodes stop: every failure is agentstore's own
``BackendUnavailable``, and a batch finds the new master on the call after the one that lost
the old (sync and asyncio alike: the asyncio driver's batches go down a path of their own)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import redis

from agentstore import errors, open_memory
from agentstore.asyncio import open_memory as open_async_memory
from harness.servers.redis_cluster import ThrowawayCluster
from support.cluster import stores as cluster_memory

PREFIX = "lost:"
LIMIT = 60.0  # seconds a failover may take


def _failed_over(cluster: ThrowawayCluster, dead: int) -> None:
    """Wait until every live node serves all slots without ``dead`` (a replica took over)."""
    started = time.monotonic()
    while time.monotonic() - started < LIMIT:
        views = []
        for port, process in cluster.nodes.items():
            if process.poll() is not None:
                continue
            try:
                with redis.Redis(port=port, socket_timeout=2) as node:
                    state = node.execute_command("CLUSTER", "INFO")
                    slots = node.execute_command("CLUSTER", "SLOTS")
            except redis.RedisError:
                break
            views.append(b"cluster_state:ok" in state and dead not in {s[2][1] for s in slots})
        if views and all(views):
            return
        time.sleep(0.1)
    raise AssertionError(f"the cluster did not fail over within {LIMIT} s")


def _refusals(call: Callable[[], object]) -> list[errors.BackendUnavailable]:
    """Call ``call`` until it goes through (5 tries at most); the refusals before."""
    refused = []
    for _ in range(5):
        try:
            call()
        except errors.BackendUnavailable as error:
            refused.append(error)
        else:
            return refused
    raise AssertionError(f"still refused after 5 calls: {refused[-1]}")


@pytest.mark.slow
@pytest.mark.redis_cluster
def test_a_batch_reaches_the_new_master_on_the_call_after_the_lost_one(isolation) -> None:
    """The call that finds its master gone is refused, and reads the slot map again at once:
    the next call goes to the replica that took over, on both APIs (the asyncio driver used
    to hand the lost connection back among the replies, so only a second refused call, on
    a fresh connection to the dead node, made it read the map)."""
    cluster = cluster_memory.own_cluster(isolation)
    memory = isolation.closing(open_memory(cluster.url, prefix=PREFIX))
    loop = asyncio.new_event_loop()
    isolation.closing(loop, lambda owner: owner.close())
    awaited = loop.run_until_complete(open_async_memory(cluster.url, prefix=PREFIX))
    isolation.closing(awaited, lambda owner: loop.run_until_complete(owner.close()))
    memory.store_many({"aqe/before": 1})  # each client now holds a connection to the master
    loop.run_until_complete(awaited.store_many({"aqe/before": 1}))
    dead = cluster_memory.master_port_keeping(cluster.url, PREFIX)
    cluster.kill(dead)
    _failed_over(cluster, dead)

    later = {"aqe/after": 2}
    sync_refused = _refusals(lambda: memory.store_many(later))
    async_refused = _refusals(lambda: loop.run_until_complete(awaited.store_many(later)))

    assert [len(sync_refused), len(async_refused)] == [1, 1], (sync_refused, async_refused)
    for error in sync_refused + async_refused:
        assert isinstance(error.__cause__, redis.ConnectionError), repr(error.__cause__)
    assert loop.run_until_complete(awaited.retrieve_many(list(later))) == later
