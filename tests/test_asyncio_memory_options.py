"""The asyncio memory opener takes what the sync one takes, and honours it: ``pool=`` caps a
SQL store's connections, ``replicas=`` makes a Redis write wait for replicas; both stores run
the same operations (``agentstore.driving``), so only the opener had to pass them on.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import pytest

from agentstore import PoolSettings, errors, open_memory
from agentstore.asyncio import open_memory as open_async_memory
from harness.isolation.places import Isolation

pytestmark = pytest.mark.asyncio


async def test_the_async_opener_takes_the_sync_openers_arguments() -> None:
    sync = inspect.signature(open_memory).parameters
    aio = inspect.signature(open_async_memory).parameters
    assert [(p.name, p.kind, p.default) for p in aio.values()] == [
        (p.name, p.kind, p.default) for p in sync.values()
    ]


@pytest.mark.parametrize(("replicas", "says"), [(-1, "whole number"), (1, "not for SQL")])
async def test_a_bad_replica_wait_is_refused_at_once(replicas: int, says: str) -> None:
    with pytest.raises(errors.InvalidInput, match=says):
        open_async_memory("sqlite://", replicas=replicas)


async def test_an_async_write_no_replica_confirms_says_so_and_is_kept(isolation: Isolation) -> None:
    place = isolation("redis")
    opening = open_async_memory(place.url, prefix=place.prefix, replicas=1, replica_timeout=0.05)
    async with opening as memory:
        with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
            await memory.store("aqe/fact", 1)
        assert await memory.retrieve("aqe/fact") == 1
        with pytest.raises(errors.WriteNotReplicated):
            await memory.store_many({"aqe/a": 1, "aqe/b": 2})
        assert await memory.retrieve_many(["aqe/a", "aqe/b"]) == {"aqe/a": 1, "aqe/b": 2}
        with pytest.raises(errors.WriteNotReplicated):
            await memory.increment("aqe/n")
        assert await memory.retrieve("aqe/n") == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_async_store_out_of_its_pool_waits_then_says_so(
    isolation: Isolation, backend: str
) -> None:
    place = isolation(backend)
    settings = PoolSettings(pool_size=1, max_overflow=0, pool_timeout=0.2)
    async with open_async_memory(place.url, prefix=place.prefix, pool=settings) as memory:
        store: Any = memory
        connections = store._connections  # under the API: hold the only connection
        held = await connections.take()
        started = time.monotonic()
        with pytest.raises(errors.PoolExhausted, match=r"0\.2 s"):
            await memory.store("aqe/x", 1)
        assert time.monotonic() - started >= 0.2
        connections.give(held)
        await memory.store("aqe/x", 1)
        assert await memory.retrieve("aqe/x") == 1
