"""The asyncio queue's and leases' replica wait (``replicas=``): the sync openers' checks and
promises, on one Redis and on the cluster (both APIs run the same operations; only the
driver that waits differs)."""

from __future__ import annotations

import pytest

from agentstore import errors, open_queue
from agentstore.asyncio import open_leases as open_async_leases
from agentstore.asyncio import open_queue as open_async_queue
from harness.isolation.places import Isolation

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("replicas", "timeout", "says"),
    [
        (-1, 1.0, "replicas must be a whole number"),
        (True, 1.0, "replicas must be a whole number"),
        (1, 0, "replica_timeout must be a number of seconds above 0"),
    ],
)
async def test_a_bad_replica_wait_is_refused_at_once(
    replicas: int, timeout: float, says: str
) -> None:
    with pytest.raises(errors.InvalidInput, match=says):
        open_async_queue(
            "redis://127.0.0.1:1/0", "jobs", replicas=replicas, replica_timeout=timeout
        )
    with pytest.raises(errors.InvalidInput, match=says):
        open_async_leases("redis://127.0.0.1:1/0", replicas=replicas, replica_timeout=timeout)


async def test_sql_has_no_replicas_to_wait_for() -> None:
    with pytest.raises(errors.InvalidInput, match="not for SQL"):
        open_async_queue("sqlite://", "jobs", replicas=1)
    with pytest.raises(errors.InvalidInput, match="not for SQL"):
        open_async_leases("sqlite://", replicas=1)


async def test_one_redis_without_replicas_reports_every_change_as_unconfirmed(
    isolation: Isolation,
) -> None:
    """Nobody confirms on a lone server: each change says so and is kept; reads never wait."""
    place = isolation("redis")
    opening = open_async_queue(
        place.url, "jobs", prefix=place.prefix, replicas=1, replica_timeout=0.05
    )
    async with opening as queue:
        with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
            await queue.enqueue({"n": 1})
        assert (await queue.stats())["ready"] == 1
        assert await queue.dead_letters() == []
    with open_queue(place.url, "jobs", prefix=place.prefix) as plain:
        assert plain.stats()["ready"] == 1
    leases = open_async_leases(place.url, prefix=place.prefix, replicas=1, replica_timeout=0.05)
    async with leases as held:
        with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
            await held.acquire("nightly-report", "agent-1", ttl=60)
        assert await held.holder("nightly-report") is not None


async def test_on_the_cluster_each_change_a_replica_confirms_goes_through(
    isolation: Isolation,
) -> None:
    place = isolation("redis_cluster")
    async with open_async_queue(place.url, "jobs", prefix=place.prefix, replicas=1) as queue:
        await queue.enqueue({"n": 1})
        job = await queue.claim("worker-1")
        assert job is not None and job.payload == {"n": 1}
        await queue.complete(job)
        assert (await queue.stats())["done"] == 1
    async with open_async_leases(place.url, prefix=place.prefix, replicas=1) as leases:
        first = await leases.acquire("nightly-report", "agent-1", ttl=60)
        assert first is not None and await leases.release(first)
        second = await leases.acquire("nightly-report", "agent-2", ttl=60)
        assert second is not None and second.token > first.token
