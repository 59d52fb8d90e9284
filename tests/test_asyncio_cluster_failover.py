"""An asyncio memory on a Redis Cluster rides out a failover without being reopened, its
batch writes included (they reach a master by a path of their own: MULTI/EXEC on the slot's
node, which must read the slot map again once that node is lost)."""

from __future__ import annotations

import asyncio
import time

import pytest

from agentstore import errors
from agentstore.asyncio import open_memory
from support.cluster import stores as cluster_memory

LIMIT = 60.0  # seconds a failover may take before the store must answer again
PREFIX = "failover:"


@pytest.mark.slow
@pytest.mark.redis_cluster
def test_asyncio_batches_reach_the_new_master_after_a_failover(isolation) -> None:
    cluster = cluster_memory.own_cluster(isolation)
    later = {f"aqe/after/{n}": n for n in range(5)}

    async def through_a_failover() -> int:
        async with open_memory(cluster.url, prefix=PREFIX) as memory:
            await memory.store_many({f"aqe/before/{n}": n for n in range(20)})
            cluster.kill(cluster_memory.master_port_keeping(cluster.url, PREFIX))
            started, refused = time.monotonic(), 0
            while True:
                try:
                    await memory.store_many(later)
                    break
                except errors.BackendUnavailable:
                    refused += 1
                    assert time.monotonic() - started < LIMIT, "batches never reached a master"
                    await asyncio.sleep(0.1)
            assert await memory.retrieve_many(list(later)) == later
            return refused

    refused = asyncio.run(through_a_failover())
    assert refused > 0, "the master went away without the store noticing: nothing was tested"
