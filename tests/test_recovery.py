"""After the server drops every connection, the next calls succeed on fresh ones.

A call that meets a dropped connection runs again on a fresh one when that is safe: a read,
or a write the server never ran (it said it had ended the session before reading it). So
once the server is back, no call fails: not one per dead connection, not one at all.
Only the store's own sessions are ended (its own database; its own Redis client ids).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from agentstore import Database, open_memory
from agentstore.memory.protocol import MemoryStore
from harness.isolation.places import Isolated, Isolation
from support.memory import recovery as memory_faults

OPEN = 6  # connections open when the server drops them


def every_kind_of_call(memory: MemoryStore, round_: int) -> None:
    memory.store(f"aqe/after/{round_}", {"round": round_})
    assert memory.retrieve(f"aqe/after/{round_}") == {"round": round_}
    assert memory.increment("aqe/calls") == round_ + 2
    assert memory.compare_and_set("aqe/flag", round_, round_ + 1)
    memory.store_many({f"aqe/many/{round_}/{i}": i for i in range(5)})
    assert memory.exists("aqe/before")
    assert len(memory.list_keys("aqe/many/")) == 5 * (round_ + 1)


@pytest.fixture
def pg_memory(isolation: Isolation) -> Iterator[tuple[Isolated, MemoryStore]]:
    place = isolation("postgres")
    memory = open_memory(place.url, prefix=place.prefix)
    yield place, memory
    memory.close()


def prepared(memory: MemoryStore) -> None:
    memory.store("aqe/before", "kept")
    memory.increment("aqe/calls")
    memory.store("aqe/flag", 0)


def test_the_postgres_memory_recovers_after_its_connections_are_terminated(
    pg_memory: tuple[Isolated, MemoryStore],
) -> None:
    place, memory = pg_memory
    prepared(memory)
    memory_faults.open_connections(memory, OPEN)
    assert memory_faults.terminate_postgres_sessions(place.url) >= OPEN
    started = time.perf_counter()
    assert memory.retrieve("aqe/before") == "kept"  # the first call after the drop
    first_call_ms = (time.perf_counter() - started) * 1000
    for round_ in range(OPEN + 2):
        every_kind_of_call(memory, round_)
    print(f"first call after the drop: {first_call_ms:.1f} ms")


def test_a_write_that_never_ran_is_not_lost_after_the_drop(
    pg_memory: tuple[Isolated, MemoryStore],
) -> None:
    place, memory = pg_memory
    prepared(memory)
    memory_faults.open_connections(memory, OPEN)
    memory_faults.terminate_postgres_sessions(place.url)
    for _ in range(OPEN + 2):  # each would meet a dead connection, were it handed one
        memory.increment("aqe/calls")
    assert memory.retrieve("aqe/calls") == 1 + OPEN + 2


def test_the_redis_memory_recovers_after_its_clients_are_killed(isolation: Isolation) -> None:
    place = isolation("redis")
    with open_memory(place.url, prefix=place.prefix) as memory:
        prepared(memory)
        memory_faults.open_connections(memory, OPEN)
        ids = memory_faults.redis_client_ids(memory._client)  # type: ignore[attr-defined]
        assert len(ids) >= OPEN
        assert memory_faults.kill_redis_clients(place.url, ids) == len(ids)
        for round_ in range(OPEN + 2):
            every_kind_of_call(memory, round_)


def test_a_database_recovers_after_its_connections_are_terminated(isolation: Isolation) -> None:
    place = isolation("postgres")
    with Database(place.url) as db:

        def query() -> None:
            with db.session() as session:
                session.execute(text("SELECT 1"))

        memory_faults.open_connections(db, OPEN)
        assert memory_faults.terminate_postgres_sessions(place.url) >= OPEN
        for _ in range(OPEN + 2):
            query()
