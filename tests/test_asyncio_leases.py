"""``agentstore.asyncio``'s leases against the real servers: the sync leases' answers and
errors, sync and async holders excluding each other, and a cancelled acquire that lapses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from agentstore import open_leases
from agentstore.asyncio import open_leases as open_async_leases
from agentstore.coordination.protocol import Lease
from harness.isolation.places import Isolated, Isolation

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["postgres", "sqlite", "redis", "redis_cluster"])
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest_asyncio.fixture
async def leases(place: Isolated) -> AsyncIterator[Any]:
    async with open_async_leases(place.url, prefix=place.prefix) as opened:
        yield opened


def outcome(result: Any) -> Any:
    return (type(result).__name__, str(result)) if isinstance(result, BaseException) else result


CALLS: list[tuple[str, tuple]] = [
    ("acquire", ("deploy", "agent-1", 30)),
    ("acquire", ("deploy", "agent-2", 30)),
    ("holder", ("deploy",)),
    ("extend", (Lease("deploy", "agent-1", 1), 60)),
    ("extend", (Lease("deploy", "agent-2", 1), 60)),
    ("release", (Lease("deploy", "agent-1", 2),)),
    ("release", (Lease("deploy", "agent-1", 1),)),
    ("release", (Lease("deploy", "agent-1", 1),)),
    ("holder", ("deploy",)),
    ("acquire", ("deploy", "agent-2", 30)),
    ("acquire", ("", "agent-1", 30)),
    ("acquire", ("deploy", 7, 30)),
    ("acquire", ("other", "agent-1", 0)),
    ("acquire", ("other", "agent-1", float("nan"))),
    ("holder", ("nobody",)),
]


async def test_every_call_answers_and_fails_as_the_sync_leases_do(
    place: Isolated, leases: Any
) -> None:
    async_answers = []
    for method, args in CALLS:
        try:
            async_answers.append(outcome(await getattr(leases, method)(*args)))
        except Exception as error:
            async_answers.append(outcome(error))
    sync_answers = []
    with open_leases(place.url, prefix=place.prefix + "sync:") as sync:
        for method, args in CALLS:
            try:
                sync_answers.append(outcome(getattr(sync, method)(*args)))
            except Exception as error:
                sync_answers.append(outcome(error))
    for (method, args), want, got in zip(CALLS, sync_answers, async_answers, strict=True):
        assert got == want, f"{method}{args!r}"


async def test_sync_and_async_holders_of_one_name_exclude_each_other(
    place: Isolated, leases: Any
) -> None:
    with open_leases(place.url, prefix=place.prefix) as sync:
        held = sync.acquire("deploy", "sync-agent", 30)
        assert held is not None
        assert await leases.acquire("deploy", "async-agent", 30) is None
        assert await leases.holder("deploy") == held
        assert sync.release(held)
        taken = await leases.acquire("deploy", "async-agent", 30)
        assert taken is not None and taken.token > held.token  # fencing tokens only grow
        assert sync.acquire("deploy", "sync-agent", 30) is None


async def test_many_coroutines_racing_for_a_lease_give_it_to_exactly_one(leases: Any) -> None:
    won = await asyncio.gather(*(leases.acquire("deploy", f"a{i}", 30) for i in range(50)))
    assert sum(lease is not None for lease in won) == 1


async def test_an_acquire_cancelled_before_it_returns_lapses_with_its_ttl(leases: Any) -> None:
    for delay in (0, 0.001, 0.005, 0.02):
        task = asyncio.create_task(leases.acquire(f"job-{delay}", "agent-1", 0.5))
        await asyncio.sleep(delay)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(1.0)  # every lease a cancelled call may have taken has lapsed
    for delay in (0, 0.001, 0.005, 0.02):
        assert await leases.acquire(f"job-{delay}", "agent-2", 30) is not None
