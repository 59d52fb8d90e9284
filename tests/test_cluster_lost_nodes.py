"""Stores on a Redis Cluster whose nodes stop: every failure is agentstore's own
``BackendUnavailable``, and a batch finds the new master on the call after the one that lost
the old (sync and asyncio alike: the asyncio driver's batches go down a path of their own)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis

from agentstore import errors, open_leases, open_memory, open_queue
from agentstore.asyncio import open_leases as open_async_leases
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.asyncio import open_queue as open_async_queue
from agentstore.asyncio.redis_cluster import connect_cluster as connect_async_cluster
from agentstore.asyncio.redis_replication import perform as perform_async
from agentstore.memory.redis_cluster import UNAVAILABLE, connect_cluster
from agentstore.memory.redis_replication import READ_MAP, perform
from agentstore.urls import parse
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


@pytest.mark.slow
@pytest.mark.redis_cluster
def test_a_cluster_with_every_node_stopped_is_unavailable_in_agentstore_words(isolation) -> None:
    """With no node left to read the slot map from, redis-py's cluster client raises its own
    RedisClusterException (not a RedisError); every call says BackendUnavailable instead,
    naming the store's URL, on both APIs and in the memory, the queue and the leases."""
    cluster = cluster_memory.own_cluster(isolation)
    url = cluster.url
    loop = asyncio.new_event_loop()
    isolation.closing(loop, lambda owner: owner.close())

    def awaited(opening: Any) -> Any:
        store = loop.run_until_complete(opening)
        return isolation.closing(store, lambda owner: loop.run_until_complete(owner.close()))

    memory = isolation.closing(open_memory(url, prefix=PREFIX))
    confirmed = isolation.closing(open_memory(url, prefix=PREFIX, replicas=1))
    queue = isolation.closing(open_queue(url, "jobs", prefix=PREFIX))
    leases = isolation.closing(open_leases(url, prefix=PREFIX))
    async_memory = awaited(open_async_memory(url, prefix=PREFIX))
    async_confirmed = awaited(open_async_memory(url, prefix=PREFIX, replicas=1))
    async_queue = awaited(open_async_queue(url, "jobs", prefix=PREFIX))
    async_leases = awaited(open_async_leases(url, prefix=PREFIX))
    sync_client = isolation.closing(connect_cluster(parse(url)))
    async_client = loop.run_until_complete(connect_async_cluster(parse(url), 3.0, 30.0, 4))
    isolation.closing(async_client, lambda owner: loop.run_until_complete(owner.aclose()))
    memory.store("aqe/before", 1)  # every client has read the map and holds connections
    loop.run_until_complete(async_memory.store("aqe/before", 1))
    for port in cluster.nodes:
        cluster.kill(port)

    # Reading the slot map again (after a MOVED reply) fails with redis-py's own error:
    # one of those every driver translates.
    with pytest.raises(UNAVAILABLE):
        perform(sync_client, READ_MAP)
    with pytest.raises(UNAVAILABLE):
        loop.run_until_complete(perform_async(async_client, READ_MAP))

    calls = the_calls(memory, confirmed, queue, leases)
    calls |= {
        f"async {name}": (lambda call=call: loop.run_until_complete(call()))
        for name, call in the_calls(
            async_memory, async_confirmed, async_queue, async_leases
        ).items()
    }
    wrong: dict[str, str] = {}
    for name, call in calls.items():
        for _ in range(2):  # the first failure and the ones after it
            try:
                call()
            except errors.BackendUnavailable as error:
                if url not in str(error):
                    wrong[name] = f"the URL not named: {error}"
            except Exception as error:
                wrong[name] = f"{type(error).__module__}.{type(error).__name__}: {error}"
            else:
                wrong[name] = "went through"
    assert not wrong, "\n".join(f"{name}: {what}" for name, what in wrong.items())


def the_calls(memory: Any, confirmed: Any, queue: Any, leases: Any) -> dict[str, Callable[[], Any]]:
    """One call of each kind, by name, on the stores of either API (the async ones return
    what is to be awaited)."""
    return {
        "retrieve": lambda: memory.retrieve("aqe/before"),
        "store": lambda: memory.store("aqe/k", 1),
        "store_many": lambda: memory.store_many({"aqe/k": 1}),
        "store, replicas=1": lambda: confirmed.store("aqe/k", 1),
        "enqueue": lambda: queue.enqueue({"n": 1}),
        "acquire": lambda: leases.acquire("nightly", "agent-1", ttl=60),
    }
