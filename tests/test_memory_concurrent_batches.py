"""Many writers on one store at once: batches never deadlock, threads share a store safely.

Real servers through ``isolation``; PostgreSQL is where batches used to deadlock (issue 9).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from agentstore import Database, errors, open_memory
from agentstore.db import records
from agentstore.memory.protocol import MemoryStore
from harness.isolation.places import Isolated, Isolation

BACKENDS = ["postgres", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def memory(place: Isolated) -> Iterator[MemoryStore]:
    store = open_memory(place.url, prefix=place.prefix)
    yield store
    store.close()


def run_in_threads(workers: int, job: Callable[[int], object]) -> list[BaseException]:
    """Run ``job(worker)`` on ``workers`` threads started together; the errors they raised."""
    start = threading.Barrier(workers)

    def one(worker: int) -> BaseException | None:
        start.wait()
        try:
            job(worker)
        except BaseException as error:  # collected, then asserted on by the test
            return error
        return None

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(one, range(workers)))
    return [error for error in outcomes if error is not None]


def test_batches_over_the_same_keys_in_opposite_orders_all_succeed(memory: MemoryStore) -> None:
    keys = [f"aqe/shared/{i:03d}" for i in range(300)]

    def write(worker: int) -> None:
        order = keys if worker % 2 == 0 else keys[::-1]
        for call in range(15):
            memory.store_many({key: [worker, call] for key in order})

    failures = run_in_threads(4, write)
    assert failures == []
    final = memory.retrieve_many(keys)
    assert len(final) == 300
    assert all(value[1] == 14 for value in final.values())


def test_one_store_shared_by_16_threads_ends_as_one_thread_would(memory: MemoryStore) -> None:
    def work(worker: int) -> None:
        for i in range(25):
            memory.store(f"aqe/t/{worker}/{i}", {"w": worker, "i": i})
            assert memory.retrieve(f"aqe/t/{worker}/{i}") == {"w": worker, "i": i}
            memory.increment("aqe/counter")
        memory.store_many({f"aqe/b/{worker}/{i}": i for i in range(20)})

    assert run_in_threads(16, work) == []
    assert memory.retrieve("aqe/counter") == 16 * 25
    assert len(memory.list_keys("aqe/t/")) == 16 * 25
    assert memory.retrieve_many([f"aqe/b/{w}/{i}" for w in range(16) for i in range(20)]) == {
        f"aqe/b/{w}/{i}": i for w in range(16) for i in range(20)
    }
    assert memory.stats().keys == 16 * 25 + 16 * 20 + 1


def test_a_deadlock_is_named_as_a_conflict_not_as_an_unavailable_server(
    isolation: Isolation,
) -> None:
    """Two sessions taking two agents in opposite orders: the server breaks the cycle by
    refusing one, which is told as ``WriteConflict`` (retrying is safe), not as a dead server."""
    place = isolation("postgres")
    with Database(place.url) as db:
        with db.session() as session:
            records.create_agent(session, "a", "planner")
            records.create_agent(session, "b", "coder")
        both_hold_one = threading.Barrier(2)

        def take(first: str, second: str) -> None:
            with db.session() as session:
                records.update_agent(session, first, status="busy")
                both_hold_one.wait()
                records.update_agent(session, second, status="busy")

        errors_seen = run_in_threads(2, lambda w: take(*(("a", "b") if w == 0 else ("b", "a"))))
    assert [type(error) for error in errors_seen] == [errors.WriteConflict]
    assert "40P01" in str(errors_seen[0])
