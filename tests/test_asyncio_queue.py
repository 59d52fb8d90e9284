"""``agentstore.asyncio``'s work queue against the real servers: the sync queue's answers and
errors, one queue shared by sync and async workers, no thread pool, and a claim cancelled
before it returns that loses no job."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from agentstore import errors, open_queue
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.asyncio import open_queue as open_async_queue
from agentstore.coordination.protocol import Job
from harness.isolation.places import Isolated, Isolation

pytestmark = pytest.mark.asyncio
BACKENDS = ["postgres", "sqlite", "redis", "redis_cluster"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


class NoThreads(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor here: any use of it fails the test."""

    def submit(self, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        raise AssertionError("agentstore.asyncio ran something in the loop's thread pool")


@pytest_asyncio.fixture
async def queue(place: Isolated) -> AsyncIterator[Any]:
    asyncio.get_running_loop().set_default_executor(NoThreads())
    async with open_async_queue(place.url, "tasks", prefix=place.prefix, backoff=0) as opened:
        yield opened


def outcome(result: Any) -> Any:
    """A call's answer, comparable across APIs: errors by type and text, jobs without token,
    numbers as '#' (each queue numbers its jobs from where the database's count stands)."""
    if isinstance(result, BaseException):
        return type(result).__name__, re.sub(r"\d+", "#", str(result))
    if isinstance(result, str):
        return re.sub(r"\d+", "#", result)
    if isinstance(result, Job):
        return result.payload, result.attempts, result.max_attempts, result.error
    if isinstance(result, list):
        return [outcome(item) for item in result]
    return result


async def script(queue: Any, call: Any) -> list[Any]:
    """One fixed story of calls, good and bad, on ``queue``; every answer, in order.
    ``call(coroutine-or-value)`` gives the answer of one call (awaited or not)."""
    answers: list[Any] = []

    async def step(make: Any) -> Any:
        try:
            result = await call(make)
        except Exception as error:
            result = error
        answers.append(outcome(result))
        return result

    await step(lambda: queue.enqueue({"task": "tidy"}, max_attempts=2))
    await step(lambda: queue.enqueue({"task": "urgent"}, priority=5))
    await step(lambda: queue.enqueue({"task": "later"}, run_at=3600))
    await step(lambda: queue.enqueue({1, 2}))
    await step(lambda: queue.enqueue("x", max_attempts=0))
    first = await step(lambda: queue.claim("ada", lease=30))
    await step(lambda: queue.claim("ada", lease=0))
    await step(lambda: queue.claim("", lease=30))
    await step(lambda: queue.complete(first, {"ok": True}))
    await step(lambda: queue.complete(first))
    second = await step(lambda: queue.claim("bob"))
    await step(lambda: queue.extend(second, 60))
    await step(lambda: queue.extend(second, float("inf")))
    await step(lambda: queue.fail(second, "mail server down"))
    again = await step(lambda: queue.claim("bob"))
    await step(lambda: queue.fail(again, RuntimeError("down again")))
    letters = await step(lambda: queue.dead_letters())
    await step(lambda: queue.requeue("999999"))
    await step(lambda: queue.requeue(letters[0].id))
    await step(lambda: queue.complete(Job("424242", "tasks", None, 1, "t", 3)))
    await step(lambda: queue.complete(Job("1", "other", None, 1, "t", 3)))
    await step(lambda: queue.stats())
    return answers


async def test_every_call_answers_and_fails_as_the_sync_queue_does(
    place: Isolated, queue: Any
) -> None:
    async def awaited(make: Any) -> Any:
        return await make()

    async def direct(make: Any) -> Any:
        return make()

    async_answers = await script(queue, awaited)
    with open_queue(place.url, "tasks", prefix=place.prefix + "sync:", backoff=0) as sync:
        sync_answers = await script(sync, direct)
    assert async_answers == sync_answers


async def test_sync_and_async_workers_share_one_queue(place: Isolated, queue: Any) -> None:
    with open_queue(place.url, "tasks", prefix=place.prefix) as sync:
        sync.enqueue({"from": "sync"})
        job = await queue.claim("async-worker")
        assert job is not None and job.payload == {"from": "sync"}
        await queue.enqueue({"from": "async"})
        other = sync.claim("sync-worker")
        assert other is not None and other.payload == {"from": "async"}
        sync.complete(job)  # a claim is the claim, whichever API finishes it
        await queue.complete(other)
        assert (await queue.stats())["done"] == sync.stats()["done"] == 2


async def test_many_coroutines_claim_each_job_exactly_once(queue: Any) -> None:
    for n in range(60):
        await queue.enqueue({"n": n})
    claims = await asyncio.gather(*(queue.claim(f"w{i}") for i in range(80)))
    got = sorted(job.payload["n"] for job in claims if job is not None)
    assert got == list(range(60))


async def test_a_claim_cancelled_before_it_returns_lapses_and_is_claimed_again(
    queue: Any,
) -> None:
    """Cancelled at varied moments: some before, some while, some after the server took it."""
    delays = (0, 0, 0.0005, 0.001, 0.002, 0.005, 0.01)
    for n in range(len(delays)):
        await queue.enqueue({"n": n})
    for delay in delays:
        task = asyncio.create_task(queue.claim("doomed", lease=0.5))
        await asyncio.sleep(delay)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0.6)  # every lease a cancelled claim may have taken has lapsed
    seen = []
    while (job := await queue.claim("rescuer", lease=30)) is not None:
        seen.append(job.payload["n"])
        await queue.complete(job)
    assert sorted(seen) == list(range(len(delays)))


async def test_a_bad_name_or_backoff_is_refused_before_anything_is_opened() -> None:
    with pytest.raises(errors.InvalidName):
        open_async_queue("redis://127.0.0.1:1/0", "bad\nname")
    with pytest.raises(errors.InvalidInput, match="backoff"):
        open_async_queue("redis://127.0.0.1:1/0", "tasks", backoff=-1)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:secret@127.0.0.1:1/db",
        "redis://:secret@127.0.0.1:1/0",
        "redis+cluster://:secret@127.0.0.1:1",
    ],
)
async def test_an_unreachable_server_is_one_line_without_its_password(url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as caught:
        async with open_async_queue(url, "tasks"):
            pass
    message = str(caught.value)
    assert "secret" not in message and "***" in message and "\n" not in message


async def test_a_database_never_migrated_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(errors.SchemaNotMigrated, match="migrate up"):
        await open_async_queue(f"sqlite:///{path}", "tasks")


async def test_a_prefix_opening_with_an_empty_hash_tag_is_refused_on_a_cluster() -> None:
    with pytest.raises(errors.InvalidInput, match="empty hash tag"):
        await open_async_memory("redis+cluster://127.0.0.1:1", prefix="team{}:")
