"""Every Redis driver (memory, queues, leases; sync and asyncio) runs its scripts through one
runner, and that runner waits for replicas after the scripts the operations mark as writes,
and after those only."""

from __future__ import annotations

import asyncio

import pytest

from agentstore import errors
from agentstore.asyncio.memory_redis import connect as connect_async
from agentstore.asyncio.redis_calls import AsyncRedisScripts
from agentstore.coordination.redis_calls import RedisScripts
from agentstore.driving import Script
from agentstore.memory.opening import ReplicaWait
from agentstore.urls import parse
from harness.isolation.places import Isolation

#: The shared test server has no replica: a write asked to wait for one is never confirmed.
SOURCES = {"touch": "return 1"}


@pytest.mark.parametrize("write", [False, True])
def test_only_a_script_marked_as_a_write_waits_for_replicas(
    isolation: Isolation, write: bool
) -> None:
    place = isolation("redis")
    request = Script("touch", [place.prefix + "touched"], [], write=write)
    url = parse(place.url)
    wait = ReplicaWait(1, 0.05)
    scripts = RedisScripts(url, SOURCES, wait)

    async def run_async() -> object:
        client = AsyncRedisScripts(url, await connect_async(url), SOURCES, wait)
        try:
            return await client(request)
        finally:
            await client.close()

    try:
        if write:
            with pytest.raises(errors.WriteNotReplicated):
                scripts(request)
            with pytest.raises(errors.WriteNotReplicated):
                asyncio.run(run_async())
        else:
            assert scripts(request) == 1
            assert asyncio.run(run_async()) == 1
    finally:
        scripts.close()
