"""``support.api``: the one opener that asks ``--api``, and the one sync facade over
``agentstore.asyncio`` it gives for the memory, the queue, the leases and the events."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import cast

import pytest

from agentstore import MemoryStore, errors, open_memory
from agentstore.asyncio import AsyncEvents, AsyncLeases, AsyncMemoryStore, AsyncQueue
from agentstore.coordination import Events
from harness.isolation.places import Isolation
from support.api import binding, openers
from support.api.facade import Facade, Loop


@pytest.fixture(params=openers.APIS)
def api(request: pytest.FixtureRequest) -> openers.Api:
    return cast(openers.Api, request.param)


def wrapped(opened: object, api: openers.Api, kind: type) -> None:
    """The async API's object comes behind the facade, the sync API's as it is."""
    assert isinstance(opened, Facade) == (api == "async")
    if isinstance(opened, Facade):
        assert isinstance(opened.inner, kind)


def test_the_opener_follows_the_api_option(
    isolation: Isolation, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = isolation("sqlite")
    for chosen in openers.APIS:
        monkeypatch.setattr(binding, "selected", chosen)
        assert openers.api() == chosen
        memory = isolation.closing(openers.open_memory(place.url, prefix=place.prefix))
        wrapped(memory, chosen, AsyncMemoryStore)


def test_an_unknown_api_is_refused() -> None:
    with pytest.raises(ValueError, match="no agentstore API is called 'trio'"):
        openers.open_memory("sqlite://", api=cast(openers.Api, "trio"))


@pytest.mark.parametrize("backend", ["postgres", "sqlite", "redis", "redis_cluster"])
def test_a_memory_through_either_api(isolation: Isolation, api: openers.Api, backend: str) -> None:
    place = isolation(backend)
    memory = isolation.closing(openers.open_memory(place.url, "aqe", place.prefix, api=api))
    wrapped(memory, api, AsyncMemoryStore)
    memory.store("aqe/goal", {"ship": [1, 2]}, ttl=60)
    assert memory.retrieve("aqe/goal") == {"ship": [1, 2]}
    assert memory.increment("aqe/count", by=2) == 2
    assert memory.namespace == "aqe"
    with pytest.raises(errors.InvalidKey):
        memory.store("elsewhere/goal", 1)


@pytest.mark.parametrize("backend", ["postgres", "sqlite", "redis"])
def test_a_queue_through_either_api(isolation: Isolation, api: openers.Api, backend: str) -> None:
    place = isolation(backend)
    queue = isolation.closing(openers.open_queue(place.url, "tasks", prefix=place.prefix, api=api))
    wrapped(queue, api, AsyncQueue)
    assert queue.name == "tasks"
    queue.enqueue({"n": 1})
    job = queue.claim("ada")
    assert job is not None and job.payload == {"n": 1}
    queue.complete(job)
    with pytest.raises(errors.LeaseLost):
        queue.complete(job)
    assert queue.stats()["done"] == 1


@pytest.mark.parametrize("backend", ["postgres", "sqlite", "redis"])
def test_leases_raced_from_threads_have_one_holder(
    isolation: Isolation, api: openers.Api, backend: str
) -> None:
    place = isolation(backend)
    leases = isolation.closing(openers.open_leases(place.url, place.prefix, api=api))
    wrapped(leases, api, AsyncLeases)
    won = []
    threads = [
        threading.Thread(target=lambda i=i: won.append(leases.acquire("db", f"agent-{i}", 30)))
        for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    held = [lease for lease in won if lease is not None]
    assert len(won) == 6 and len(held) == 1
    assert leases.holder("db") == held[0]
    assert leases.release(held[0]) is True


@pytest.mark.parametrize("backend", ["postgres", "redis", "redis_cluster"])
def test_events_through_either_api(isolation: Isolation, api: openers.Api, backend: str) -> None:
    place = isolation(backend)
    events = isolation.closing(openers.open_events(place.url, place.prefix, api=api))
    wrapped(events, api, AsyncEvents)
    with events.subscribe("builds") as subscription:
        assert isinstance(subscription, Facade) == (api == "async")
        for n in range(3):
            events.publish("builds", n)
        assert subscription.next(10) == 0
        heard = []
        for event in subscription:  # the async subscription's ``async for``
            heard.append(event)
            if len(heard) == 2:
                break
        assert heard == [1, 2]
        assert subscription.next(0.2) is None


def test_a_sync_subscriber_hears_an_async_publisher(isolation: Isolation) -> None:
    place = isolation("redis")
    sync_events = isolation.closing(openers.open_events(place.url, place.prefix, api="sync"))
    async_events = isolation.closing(openers.open_events(place.url, place.prefix, api="async"))
    with sync_events.subscribe("builds") as subscription:
        async_events.publish("builds", "green")
        assert subscription.next(10) == "green"


def test_sqlite_events_are_refused_through_either_api(isolation: Isolation) -> None:
    place = isolation("sqlite")
    for api in openers.APIS:
        with pytest.raises(errors.Unsupported, match="queue"):
            openers.open_events(place.url, api=api)


def test_the_facade_refuses_a_sync_object(isolation: Isolation) -> None:
    place = isolation("sqlite")
    memory = isolation.closing(open_memory(place.url, prefix=place.prefix))
    loop = Loop()
    try:
        with pytest.raises(TypeError, match=r"agentstore\.asyncio objects only.*not a coroutine"):
            Facade(loop, memory, MemoryStore)
    finally:
        loop.stop()


def test_opening_a_sync_object_stops_the_loop_it_started(isolation: Isolation) -> None:
    place = isolation("redis")
    before = threading.active_count()
    sync_events = isolation.closing(openers.open_events(place.url, api="sync"))

    async def opened() -> Events:
        return sync_events

    with pytest.raises(TypeError, match="a sync Events needs no facade"):
        Facade.open(opened(), Events)
    assert threading.active_count() == before


def test_the_facade_offers_only_the_sync_protocol(isolation: Isolation) -> None:
    place = isolation("sqlite")
    memory = isolation.closing(openers.open_memory(place.url, api="async"))
    assert isinstance(memory, Facade)
    assert memory.inner.prefix == ""  # the async store has it; the sync protocol does not
    with pytest.raises(AttributeError):
        memory.prefix  # noqa: B018
    with pytest.raises(TypeError, match="not iterable"):
        iter(memory)


def test_closing_closes_the_object_and_stops_its_loop(isolation: Isolation) -> None:
    place = isolation("redis")
    before = threading.active_count()
    queue = openers.open_queue(place.url, "tasks", prefix=place.prefix, api="async")
    assert threading.active_count() == before + 1
    queue.close()
    queue.close()  # again: nothing happens
    assert threading.active_count() == before


def test_a_call_that_times_out_is_cancelled_not_left_running() -> None:
    loop = Loop()
    finished = threading.Event()

    async def slow() -> None:
        await asyncio.sleep(0.5)
        finished.set()

    try:
        with pytest.raises(TimeoutError):
            loop.call(slow(), timeout=0.05)
        assert not finished.wait(1.0), "the timed-out call went on running"
    finally:
        loop.stop()


def test_stopping_the_loop_wakes_a_thread_waiting_on_it() -> None:
    loop = Loop()
    outcome: list[str] = []

    def wait_for_ever() -> None:
        try:
            loop.call(asyncio.sleep(3600), timeout=None)
        except BaseException as error:  # what ended the wait is the result
            outcome.append(type(error).__name__)

    waiter = threading.Thread(target=wait_for_ever, daemon=True)
    waiter.start()
    time.sleep(0.1)  # the call is on the loop
    loop.stop()
    waiter.join(5)
    assert not waiter.is_alive() and outcome == ["CancelledError"], outcome
