"""Text no backend can store, and values nested too deep, are refused alike everywhere
(issue 19, item 10): a lone surrogate or NUL in a name is ``InvalidName``, in an error text
``InvalidValue``; a value nested deeper than ``MAX_DEPTH`` is ``InvalidValue`` at store or
enqueue time, so reading never recurses past that depth. Real servers through ``isolation``.
"""

from __future__ import annotations

import asyncio

import pytest

from agentstore import errors, open_events, open_leases, open_memory, open_queue
from agentstore.asyncio import open_leases as open_async_leases
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.asyncio import open_queue as open_async_queue
from agentstore.memory.validation import MAX_DEPTH, check_depth
from harness.isolation.places import Isolated, Isolation

BACKENDS = ["postgres", "sqlite", "redis"]
BAD_NAMES = ["\ud800", "a\udfffb", "a\x00b"]


def nested(depth: int) -> object:
    """A list ``depth`` levels deep, built without recursion."""
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


def test_the_depth_check_walks_without_recursion() -> None:
    check_depth(nested(MAX_DEPTH))
    with pytest.raises(errors.InvalidValue, match="deeper than"):
        check_depth(nested(100_000))
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(errors.InvalidValue):
        check_depth(loop)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_no_backend_can_store_is_an_invalid_name(
    place: Isolated, isolation: Isolation, name: str
) -> None:
    with pytest.raises(errors.InvalidName):
        open_queue(place.url, name, prefix=place.prefix)
    queue = isolation.closing(open_queue(place.url, "work", prefix=place.prefix))
    queue.enqueue({"n": 1})
    with pytest.raises(errors.InvalidName):
        queue.claim(name)
    assert queue.stats()["ready"] == 1
    leases = isolation.closing(open_leases(place.url, prefix=place.prefix))
    with pytest.raises(errors.InvalidName):
        leases.acquire(name, "me", 10)
    with pytest.raises(errors.InvalidName):
        leases.acquire("lock", name, 10)


@pytest.mark.parametrize("backend", ["postgres", "redis"])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_channel_name_no_backend_can_store_is_an_invalid_name(
    isolation: Isolation, backend: str, name: str
) -> None:
    place = isolation(backend)
    events = isolation.closing(open_events(place.url, prefix=place.prefix))
    with pytest.raises(errors.InvalidName):
        events.publish(name, {"n": 1})


@pytest.mark.parametrize("error", ["boom\x00", "boom \ud800", ValueError("bad \x00 byte")])
def test_an_error_text_no_backend_can_store_is_an_invalid_value(
    place: Isolated, isolation: Isolation, error: object
) -> None:
    queue = isolation.closing(open_queue(place.url, "work", prefix=place.prefix))
    queue.enqueue({"n": 1})
    job = queue.claim("w1")
    assert job is not None
    with pytest.raises(errors.InvalidValue):
        queue.fail(job, error)
    queue.complete(job)  # the claim is still held: bad input changed nothing
    assert queue.stats()["done"] == 1


def test_a_value_nested_too_deep_is_refused_and_the_deepest_allowed_comes_back(
    place: Isolated,
) -> None:
    memory = open_memory(place.url, prefix=place.prefix)
    try:
        for depth in (MAX_DEPTH + 1, 900, 100_000):
            with pytest.raises(errors.InvalidValue, match="deeper than"):
                memory.store("aqe/deep", nested(depth))
        assert not memory.exists("aqe/deep")
        memory.store("aqe/deep", nested(MAX_DEPTH))
        assert memory.retrieve("aqe/deep") == nested(MAX_DEPTH)
    finally:
        memory.close()


def test_a_payload_nested_too_deep_is_refused_and_no_job_is_left_behind(
    place: Isolated, isolation: Isolation
) -> None:
    queue = isolation.closing(open_queue(place.url, "work", prefix=place.prefix))
    for depth in (MAX_DEPTH + 1, 900, 100_000):
        with pytest.raises(errors.InvalidValue, match="deeper than"):
            queue.enqueue(nested(depth))
    assert queue.claim("w1") is None
    queue.enqueue(nested(MAX_DEPTH))
    job = queue.claim("w1")
    assert job is not None and job.payload == nested(MAX_DEPTH)
    with pytest.raises(errors.InvalidValue, match="deeper than"):
        queue.complete(job, nested(900))
    queue.complete(job, nested(MAX_DEPTH))


def test_the_asyncio_api_refuses_the_same(place: Isolated) -> None:
    async def run() -> None:
        async with open_async_memory(place.url, prefix=place.prefix) as memory:
            with pytest.raises(errors.InvalidValue, match="deeper than"):
                await memory.store("aqe/deep", nested(900))
        with pytest.raises(errors.InvalidName):
            async with open_async_queue(place.url, "\ud800", prefix=place.prefix):
                pass
        async with open_async_queue(place.url, "work", prefix=place.prefix) as queue:
            with pytest.raises(errors.InvalidValue, match="deeper than"):
                await queue.enqueue(nested(900))
            await queue.enqueue({"n": 1})
            with pytest.raises(errors.InvalidName):
                await queue.claim("\ud800")
            job = await queue.claim("w1")
            assert job is not None
            with pytest.raises(errors.InvalidValue):
                await queue.fail(job, "boom\x00")
            await queue.complete(job)
        async with open_async_leases(place.url, prefix=place.prefix) as leases:
            with pytest.raises(errors.InvalidName):
                await leases.acquire("lock", "\ud800", 10)

    asyncio.run(run())
