"""``agentstore.asyncio``'s memory against the real servers: the sync API's answers and
errors, no lost increment among a thousand coroutines, and cancellation that leaves no
half-written entry and gives the connection back.

Each test runs on every backend through ``isolation`` (a backend that is not available is
skipped with the reason, never faked).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from agentstore import MemoryStore, errors, open_memory
from agentstore.asyncio import AsyncMemoryStore
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.urls import libpq_url
from harness.isolation.places import Isolated, Isolation

pytestmark = pytest.mark.asyncio
BACKENDS = ["postgres", "sqlite", "redis", "redis_cluster"]
SQL_BACKENDS = ["postgres", "sqlite"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


class NoThreads(concurrent.futures.ThreadPoolExecutor):
    """The loop's default executor in these tests: any use of it (to_thread, a sync call
    pushed to run_in_executor) fails the test, so the store is async all the way down."""

    def submit(self, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        raise AssertionError("agentstore.asyncio ran something in the loop's thread pool")


@pytest_asyncio.fixture
async def memory(place: Isolated) -> AsyncIterator[AsyncMemoryStore]:
    asyncio.get_running_loop().set_default_executor(NoThreads())
    async with open_async_memory(place.url, prefix=place.prefix + "async:") as store:
        yield store


def in_hand(memory: Any) -> int:
    """How many of the store's connections a caller holds right now (0 when all came back)."""
    if hasattr(memory, "_connections"):
        pool = memory._connections
        return pool.opened - pool.idle
    client = memory._client
    if hasattr(client, "get_nodes"):  # a cluster client: connections per node
        return sum(len(n._connections) - len(n._free) for n in client.get_nodes())
    return len(client.connection_pool._in_use_connections)


# -- the same answers and the same errors as the sync API ------------------------------------

NAN = float("nan")
CALLS: list[tuple[str, tuple, dict]] = [
    ("store", ("aqe/a", {"b": [1, 2.5, None], "a": "ü"}), {}),
    ("store", ("aqe/t", "x"), {"ttl": 60, "partition": "p"}),
    ("store_many", ({"aqe/m1": 1, "aqe/m2": "two", "aqe/m%_": [True]},), {"partition": "p"}),
    ("retrieve", ("aqe/a",), {}),
    ("retrieve", ("aqe/none", "default"), {}),
    ("retrieve_many", (["aqe/a", "aqe/m1", "aqe/zz", "aqe/a"],), {}),
    ("exists", ("aqe/a",), {}),
    ("exists", ("aqe/zz",), {}),
    ("ttl", ("aqe/t",), {}),
    ("ttl", ("aqe/a",), {}),
    ("ttl", ("aqe/zz",), {}),
    ("search", ("aqe/m?",), {}),
    ("search", ("aqe/m%*",), {}),
    ("search", ("*",), {}),
    ("list_keys", (), {}),
    ("list_keys", ("aqe/m",), {}),
    ("list_keys", (), {"partition": "p"}),
    ("list_keys", ("other",), {}),
    ("stats", (), {}),
    ("increment", ("aqe/n",), {}),
    ("increment", ("aqe/n", 5), {}),
    ("increment", ("aqe/a",), {}),
    ("increment", ("aqe/n", 2**63), {}),
    ("increment", ("aqe/n", True), {}),
    ("compare_and_set", ("aqe/n", 6, "six"), {}),
    ("compare_and_set", ("aqe/n", 6, "x"), {}),
    ("compare_and_set", ("aqe/new", None, 1), {"ttl": 30}),
    ("compare_and_set", ("aqe/new", None, 2), {}),
    ("delete", ("aqe/m1",), {}),
    ("delete", ("aqe/m1",), {}),
    ("clear_partition", ("p",), {}),
    ("cleanup_expired", (), {}),
    ("store", ("other/x", 1), {}),
    ("store", ("aqe/x", NAN), {}),
    ("store", ("aqe/x", {1, 2}), {}),
    ("store", ("aqe/x", (1, 2)), {}),
    ("store", ("aqe/x", 1), {"ttl": 0}),
    ("store", ("aqe/x", 1), {"partition": ""}),
    ("store_many", ({"aqe/ok": 1, "aqe/\x00": 2},), {}),
    ("retrieve", ("",), {}),
    ("retrieve_many", (["aqe/a", 7],), {}),
    ("search", (5,), {}),
    ("list_keys", ("aqe/\x00",), {}),
    ("clear_partition", ("",), {}),
    ("compare_and_set", ("aqe/n", NAN, 1), {}),
    ("stats", (), {}),
    ("list_keys", (), {}),
]


async def test_every_sync_method_is_a_coroutine_of_the_async_store(
    memory: AsyncMemoryStore,
) -> None:
    sync_methods = {
        name
        for name, member in vars(MemoryStore).items()
        if callable(member) and not name.startswith("_")
    }
    assert sync_methods  # the protocol was read
    for name in sync_methods:
        assert inspect.iscoroutinefunction(getattr(memory, name)), name
    assert isinstance(memory, AsyncMemoryStore)


def outcome(method: str, result: Any) -> Any:
    if isinstance(result, BaseException):
        return type(result).__name__, str(result)
    if method == "ttl" and isinstance(result, float):
        return round(result)  # the clocks of two calls differ by a few milliseconds
    return result


async def test_every_call_answers_and_fails_as_the_sync_api_does(
    place: Isolated, memory: AsyncMemoryStore
) -> None:
    sync_answers, async_answers = [], []
    with open_memory(place.url, prefix=place.prefix + "sync:") as sync:
        for method, args, kwargs in CALLS:
            try:
                sync_answers.append(outcome(method, getattr(sync, method)(*args, **kwargs)))
            except Exception as error:
                sync_answers.append(outcome(method, error))
    for method, args, kwargs in CALLS:
        try:
            async_answers.append(outcome(method, await getattr(memory, method)(*args, **kwargs)))
        except Exception as error:
            async_answers.append(outcome(method, error))
    for (method, args, _), want, got in zip(CALLS, sync_answers, async_answers, strict=True):
        assert got == want, f"{method}{args!r}"
    assert in_hand(memory) == 0


async def test_a_value_comes_back_with_its_types(memory: AsyncMemoryStore) -> None:
    value = {"z": 1, "a": [2**70, -0.5, "漢字", None, {"k": False}], "m": {}}
    await memory.store("aqe/v", value)
    back = await memory.retrieve("aqe/v")
    assert back == value
    assert [type(item) for item in back["a"]] == [int, float, str, type(None), dict]


# -- many coroutines at once -------------------------------------------------------------------


async def test_a_thousand_coroutines_incrementing_one_counter_lose_nothing(
    memory: AsyncMemoryStore,
) -> None:
    answers = await asyncio.gather(*(memory.increment("aqe/count") for _ in range(1000)))
    assert sorted(answers) == list(range(1, 1001))  # each saw its own, none was lost
    assert await memory.retrieve("aqe/count") == 1000
    assert in_hand(memory) == 0


async def test_racing_coroutines_claim_a_key_exactly_once(memory: AsyncMemoryStore) -> None:
    won = await asyncio.gather(
        *(memory.compare_and_set("aqe/leader", None, f"agent-{i}") for i in range(200))
    )
    assert won.count(True) == 1
    assert await memory.retrieve("aqe/leader") == f"agent-{won.index(True)}"


# -- cancellation ----------------------------------------------------------------------------

BATCH = {f"aqe/batch/{i:05d}": {"n": i, "text": "x" * 1000} for i in range(3000)}


async def test_a_batch_cancelled_at_any_moment_is_stored_whole_or_not_at_all(
    memory: AsyncMemoryStore,
) -> None:
    for delay in (0, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064):
        task = asyncio.create_task(memory.store_many(BATCH))
        await asyncio.sleep(delay)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        stored = await memory.retrieve_many(BATCH)
        assert len(stored) in (0, len(BATCH)), f"cancelled after {delay} s: {len(stored)} stored"
        assert stored in ({}, BATCH)
        assert in_hand(memory) == 0, f"cancelled after {delay} s: a connection was kept"
        await memory.clear_partition("default")
    await memory.store("aqe/after", "still works")
    assert await memory.retrieve("aqe/after") == "still works"


@pytest.fixture
def write_lock(place: Isolated) -> Iterator[Any]:
    """Holds the memory's storage locked for writing (SQL only: Redis runs each script whole,
    so no writer can hold a store half-way), as another writer would."""
    if place.backend == "postgres":
        connection = psycopg.connect(libpq_url(place.url))
        connection.execute("LOCK TABLE memory_entries IN EXCLUSIVE MODE")
    else:
        connection = sqlite3.connect(place.url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    yield connection
    connection.rollback()
    connection.close()


# SQL only: Redis runs each script whole, so no writer can hold a store half-way
@pytest.mark.parametrize("place", SQL_BACKENDS, indirect=True)
async def test_a_write_cancelled_while_it_waits_changes_nothing_and_gives_its_connection_back(
    memory: AsyncMemoryStore, write_lock: Any
) -> None:
    tasks = [
        asyncio.create_task(memory.store("aqe/goal", "half-way")),
        asyncio.create_task(memory.store_many({"aqe/one": 1, "aqe/two": 2})),
        asyncio.create_task(memory.increment("aqe/count")),
    ]
    await asyncio.sleep(0.3)  # every call is now blocked on the other writer's lock
    assert not any(task.done() for task in tasks)
    for task in tasks:
        task.cancel()
    await asyncio.sleep(0.1)  # the cancellations are delivered
    write_lock.rollback()  # the other writer finishes: nothing cancelled may land now
    await asyncio.gather(*tasks, return_exceptions=True)
    assert in_hand(memory) == 0
    assert await memory.retrieve_many(["aqe/goal", "aqe/one", "aqe/two", "aqe/count"]) == {}
    assert await memory.increment("aqe/count") == 1  # the store still works


async def test_cancelled_callers_never_strand_a_connection(memory: AsyncMemoryStore) -> None:
    """Far more callers than connections, a third of them cancelled while they wait."""
    tasks = [asyncio.create_task(memory.increment("aqe/count")) for _ in range(300)]
    await asyncio.sleep(0)
    for task in tasks[::3]:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    counted = [r for r in results if isinstance(r, int)]
    assert await memory.retrieve("aqe/count") >= len(counted) >= 200
    assert in_hand(memory) == 0


# redis-py's own pool hands out Redis connections
@pytest.mark.parametrize("place", SQL_BACKENDS, indirect=True)
async def test_a_connection_handed_to_a_caller_cancelled_that_moment_is_passed_on(
    memory: AsyncMemoryStore,
) -> None:
    """The narrowest moment: a connection is given to a waiting caller that is cancelled
    before it runs again. The connection must go on to the next caller, not vanish."""
    pool = memory._connections
    held = [await pool.take() for _ in range(pool.limit)]
    waiting = asyncio.create_task(pool.take())
    await asyncio.sleep(0)  # it waits: every connection is held
    pool.give(held.pop())  # handed to the waiter...
    waiting.cancel()  # ...which is cancelled before it can run
    await asyncio.gather(waiting, return_exceptions=True)
    pool.timeout = 0.2
    assert await pool.take() is not None  # the handed connection was passed on
    with pytest.raises(errors.PoolExhausted, match="pool is exhausted"):
        await pool.take()  # and the limit still holds


# the other backends: features/memory/recovery.feature under --api=async
@pytest.mark.parametrize("place", ["redis"], indirect=True)
async def test_connections_the_server_closed_while_idle_are_replaced(
    place: Isolated, memory: AsyncMemoryStore
) -> None:
    """A restart or failover closes idle connections: the next calls open fresh ones."""
    await asyncio.gather(*(memory.store(f"aqe/k{i}", i) for i in range(5)))  # several open
    pool = memory._client.connection_pool
    ids = []
    for connection in list(pool._available_connections):  # only this store's own
        await connection.send_command("CLIENT", "ID")
        ids.append(int(await connection.read_response()))
    admin = aioredis.Redis.from_url(place.url)
    for client_id in ids:
        await admin.execute_command("CLIENT", "KILL", "ID", str(client_id))
    await admin.aclose()
    await asyncio.sleep(0.1)  # the closes reach this loop
    assert ids
    assert await memory.increment("aqe/count") == 1  # once, on a fresh connection
    assert await memory.retrieve_many([f"aqe/k{i}" for i in range(5)]) == {
        f"aqe/k{i}": i for i in range(5)
    }


# -- opening -------------------------------------------------------------------------------


async def test_an_unknown_scheme_is_refused_before_anything_is_opened() -> None:
    with pytest.raises(errors.InvalidURL, match="unsupported URL scheme"):
        open_async_memory("mysql://u:secret@h/db")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:secret@127.0.0.1:1/db",
        "redis://:secret@127.0.0.1:1/0",
    ],
)
async def test_an_unreachable_server_is_one_line_without_its_password(url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as caught:
        async with open_async_memory(url):
            pass
    message = str(caught.value)
    assert "secret" not in message and "***" in message and "\n" not in message


async def test_a_database_never_migrated_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(errors.SchemaNotMigrated, match="migrate up"):
        await open_async_memory(f"sqlite:///{path}")
