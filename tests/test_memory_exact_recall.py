"""A value comes back exactly as stored; compare_and_set compares values, not spellings.

Key order, ints, floats and booleans are kept; ``compare_and_set`` matches a stored value
equal to the expected one in its canonical form (object keys in any order) but never an int
for a float or a boolean for a number. ``expected=None`` stands for "nothing there": an
absent or expired key, or one holding JSON null (what ``retrieve`` returns as None).
A TTL may be any real number (``numbers.Real`` or ``Decimal``), never a bool.
"""

from __future__ import annotations

import decimal
import fractions
from collections.abc import Iterator

import pytest

from agentstore import errors, open_memory
from agentstore.memory.protocol import MemoryStore
from harness.isolation.places import Isolated, Isolation
from support.common.exact import shape

BACKENDS = ["postgres", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def memory(place: Isolated) -> Iterator[MemoryStore]:
    store = open_memory(place.url, prefix=place.prefix)
    yield store
    store.close()


VALUES = [
    {"b": 1, "a": 2},
    {"z": {"y": 1.0, "x": True}, "a": [3, 2.5, False, None]},
    [{"second": 2, "first": 1}],
    {"n": 1, "f": 1.0, "t": True},
]


@pytest.mark.parametrize("value", VALUES)
def test_a_value_comes_back_with_its_key_order_and_number_types(
    memory: MemoryStore, value: object
) -> None:
    memory.store("aqe/v", value)
    assert shape(memory.retrieve("aqe/v")) == shape(value)
    memory.store_many({"aqe/w": value})
    assert shape(memory.retrieve_many(["aqe/w"])["aqe/w"]) == shape(value)
    assert shape(memory.search("aqe/w")["aqe/w"]) == shape(value)


def test_compare_and_set_ignores_key_order(memory: MemoryStore) -> None:
    memory.store("aqe/s", {"b": 1, "a": 2})
    assert memory.compare_and_set("aqe/s", {"a": 2, "b": 1}, {"done": True})
    assert memory.retrieve("aqe/s") == {"done": True}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [(1.0, 1), (1, 1.0), (1, True), (True, 1), ({"n": 1}, {"n": 1.0}), (0, False)],
)
def test_compare_and_set_never_takes_an_int_for_a_float_or_a_bool(
    memory: MemoryStore, stored: object, expected: object
) -> None:
    memory.store("aqe/s", stored)
    assert not memory.compare_and_set("aqe/s", expected, "changed")
    assert shape(memory.retrieve("aqe/s")) == shape(stored)


def test_expecting_nothing_matches_a_stored_null_as_retrieve_sees_it(memory: MemoryStore) -> None:
    memory.store("aqe/n", None)
    assert memory.retrieve("aqe/n", default="absent") is None
    assert memory.compare_and_set("aqe/n", None, 1)
    assert memory.retrieve("aqe/n") == 1
    assert memory.compare_and_set("aqe/fresh", None, 2)
    assert not memory.compare_and_set("aqe/fresh", None, 3)


class Seconds(float):
    """A float subclass, as NumPy's float64 is."""


@pytest.mark.parametrize(
    "ttl", [fractions.Fraction(30, 1), decimal.Decimal("30.5"), Seconds(30.0), 30, 30.0]
)
def test_any_real_number_is_a_ttl(memory: MemoryStore, ttl: object) -> None:
    memory.store("aqe/t", "x", ttl=ttl)  # type: ignore[arg-type]
    left = memory.ttl("aqe/t")
    assert left is not None and 0 < left <= 31


@pytest.mark.parametrize(
    "ttl", [True, decimal.Decimal("NaN"), decimal.Decimal("-1"), fractions.Fraction(0), "30"]
)
def test_a_ttl_that_is_no_duration_is_refused_and_changes_nothing(
    memory: MemoryStore, ttl: object
) -> None:
    memory.store("aqe/t", "before")
    with pytest.raises(errors.InvalidTTL):
        memory.store("aqe/t", "after", ttl=ttl)  # type: ignore[arg-type]
    assert memory.retrieve("aqe/t") == "before"
    assert memory.ttl("aqe/t") is None
