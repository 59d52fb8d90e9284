"""Edge cases of the memory found in review, each checked on every backend it concerns.

Every test runs against the real servers through ``isolation``; a backend that is not
available is skipped with the reason, never faked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from agentstore import PoolSettings, errors, open_memory
from agentstore.memory.protocol import MemoryStore
from harness.isolation.places import Isolated, Isolation

BACKENDS = ["postgres", "sqlite", "redis"]
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def memory(place: Isolated) -> Iterator[MemoryStore]:
    store = open_memory(place.url, prefix=place.prefix)
    yield store
    store.close()


# -- 1, 2: counters at the edge of 64 bits ----------------------------------------------------


@pytest.mark.parametrize(("start", "by"), [(INT64_MAX, 1), (INT64_MIN, -1), (INT64_MAX - 5, 10)])
def test_an_increment_that_would_overflow_is_refused_and_changes_nothing(
    memory: MemoryStore, start: int, by: int
) -> None:
    memory.store("aqe/c", start)
    with pytest.raises(errors.InvalidValue, match="overflow"):
        memory.increment("aqe/c", by)
    assert memory.retrieve("aqe/c") == start
    assert type(memory.retrieve("aqe/c")) is int


@pytest.mark.parametrize("start", [10**18, INT64_MAX - 1, -(10**18), INT64_MIN + 1])
def test_a_counter_of_nineteen_digits_still_counts(memory: MemoryStore, start: int) -> None:
    memory.store("aqe/c", start)
    by = 1 if start > 0 else -1
    assert memory.increment("aqe/c", by) == start + by
    assert memory.retrieve("aqe/c") == start + by


@pytest.mark.parametrize("value", [10**19, -(10**19), 1.5, "7", [1]])
def test_a_counter_holding_no_64_bit_integer_is_refused_alike(
    memory: MemoryStore, value: object
) -> None:
    memory.store("aqe/c", value)
    with pytest.raises(errors.InvalidValue, match="not a 64-bit integer"):
        memory.increment("aqe/c")
    assert memory.retrieve("aqe/c") == value


# -- 3: stores with nested prefixes ------------------------------------------------------------


def test_a_store_never_sees_the_keys_of_a_store_whose_prefix_extends_its_own(
    place: Isolated,
) -> None:
    with (
        open_memory(place.url, prefix=place.prefix + "aqe/") as inner,
        open_memory(place.url, prefix=place.prefix) as outer,
    ):
        inner.store("aqe/secret", "from-inner")
        assert outer.retrieve("aqe/aqe/secret") is None
        assert not outer.exists("aqe/aqe/secret")
        assert outer.list_keys() == [] and outer.search("aqe/*") == {}
        assert outer.stats().keys == 0
        outer.store("aqe/aqe/secret", "from-outer")
        assert inner.retrieve("aqe/secret") == "from-inner"


@pytest.mark.parametrize("prefix", ["a\x00b", "a\x1fb", "a\nb", "a\x85", "\ud800"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_prefix_with_control_characters_is_refused(
    isolation: Isolation, backend: str, prefix: str
) -> None:
    with pytest.raises(errors.InvalidInput, match="prefix"):
        open_memory(isolation(backend).url, prefix=isolation(backend).prefix + prefix)


# -- 4: many threads on one store --------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_more_threads_than_connections_all_get_their_turn(
    isolation: Isolation, backend: str
) -> None:
    place = isolation(backend)
    threads, each = 20, 50
    with open_memory(place.url, prefix=place.prefix) as memory:
        failures: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(each):
                    memory.increment("aqe/hits")
            except BaseException as exc:  # reported below
                failures.append(exc)

        started = time.monotonic()
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert failures == []
        assert memory.retrieve("aqe/hits") == threads * each
        assert time.monotonic() - started < 20
        # The store keeps a bounded number of connections, not one per peak thread.
        pool = memory._engine.pool
        assert pool.size() + max(pool.overflow(), 0) <= 10 < threads


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_store_out_of_connections_waits_then_says_the_pool_is_exhausted(
    isolation: Isolation, backend: str
) -> None:
    place = isolation(backend)
    settings = PoolSettings(pool_size=1, max_overflow=0, pool_timeout=0.2)
    with open_memory(place.url, prefix=place.prefix, pool=settings) as memory:
        held = memory._engine.pool.connect()  # the only connection, taken under the API
        started = time.monotonic()
        with pytest.raises(errors.PoolExhausted, match=r"0\.2 s"):
            memory.retrieve("aqe/x")
        assert time.monotonic() - started >= 0.2
        held.close()
        assert memory.retrieve("aqe/x") is None


# -- 6, 7: opening a store that cannot be reached ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:pw@127.0.0.1:1/x",
        "redis://:pw@127.0.0.1:1/0",
        "sqlite:////nonexistent-agentstore-dir/x.db",
    ],
)
def test_an_unreachable_store_says_so_in_one_line(url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as raised:
        open_memory(url)
    message = str(raised.value)
    assert "\n" not in message and "pw" not in message


def test_a_redis_database_the_server_does_not_have_is_unavailable(isolation: Isolation) -> None:
    url = isolation("redis").url.rpartition("/")[0] + "/99999"
    with pytest.raises(errors.BackendUnavailable) as raised:
        open_memory(url)
    assert "\n" not in str(raised.value)


def test_a_redis_url_with_a_bad_port_is_an_invalid_url() -> None:
    with pytest.raises(errors.InvalidURL) as raised:
        open_memory("redis://:pw@127.0.0.1:abc/0")
    assert "pw" not in str(raised.value)


# -- 9: odd search patterns and list prefixes --------------------------------------------------


@pytest.mark.parametrize("pattern", ["aqe/\x00", "aqe/*\x00*", "aqe/a\nb", "*\x1f*"])
def test_control_characters_in_a_pattern_or_prefix_match_nothing(
    memory: MemoryStore, pattern: str
) -> None:
    memory.store("aqe/a", 1)
    assert memory.search(pattern) == {}
    assert memory.list_keys(pattern) == []


@pytest.mark.parametrize("pattern", ["aqe/\ud800", "\udfff*", 7, None, b"aqe/*"])
def test_a_pattern_or_prefix_that_is_no_valid_text_is_invalid_input(
    memory: MemoryStore, pattern: object
) -> None:
    with pytest.raises(errors.InvalidInput):
        memory.search(pattern)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput):
        memory.list_keys(pattern)  # type: ignore[arg-type]
