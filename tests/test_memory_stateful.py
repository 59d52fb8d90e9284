"""Each backend, driven through random operations next to a dict, never disagrees with it.

A Hypothesis state machine stores, recalls, deletes, increments, clears partitions, lists
and searches on a real backend and on a plain-dict model, comparing every answer. Keys come
from a tiny alphabet full of characters SQL and Redis patterns treat specially, so keys
collide often and wildcards are exercised on every backend.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from agentstore import errors, open_memory
from agentstore.memory.patterns import glob_to_regex
from harness.isolation.places import Isolated, Isolation

NS = "aqe"
KEYS = st.text("ab%_[]\\*?é", min_size=1, max_size=3).map(lambda path: f"{NS}/{path}")
PARTITIONS = st.sampled_from(["default", "left", "right"])
# Integers inside the range every backend's counter holds; floats never equal ints here.
SMALL_INTS = st.integers(-(10**12), 10**12)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | SMALL_INTS
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
PATTERNS = st.text("ab%_[]\\*?é", max_size=4).map(lambda glob: f"{NS}/{glob}")

_scopes = itertools.count()


class MemoryAgainstDict(RuleBasedStateMachine):
    """The model: key -> (partition, value)."""

    place: Isolated

    def __init__(self) -> None:
        super().__init__()
        scope = f"{self.place.prefix}sm{next(_scopes)}:"  # an empty store for every example
        self.memory = open_memory(self.place.url, namespace=NS, prefix=scope)
        self.model: dict[str, tuple[str, Any]] = {}

    def teardown(self) -> None:
        self.memory.close()

    @rule(key=KEYS, value=VALUES, partition=PARTITIONS)
    def store(self, key: str, value: Any, partition: str) -> None:
        self.memory.store(key, value, partition=partition)
        self.model[key] = (partition, value)

    @rule(mapping=st.dictionaries(KEYS, VALUES, max_size=4))
    def store_many(self, mapping: dict[str, Any]) -> None:
        self.memory.store_many(mapping)
        self.model.update({key: ("default", value) for key, value in mapping.items()})

    @rule(key=KEYS)
    def retrieve(self, key: str) -> None:
        expected = self.model.get(key, (None, "<absent>"))[1]
        assert self.memory.retrieve(key, "<absent>") == expected
        assert self.memory.exists(key) == (key in self.model)

    @rule(keys=st.lists(KEYS, max_size=4))
    def retrieve_many(self, keys: list[str]) -> None:
        expected = {key: self.model[key][1] for key in keys if key in self.model}
        assert self.memory.retrieve_many(keys) == expected

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        assert self.memory.delete(key) == (key in self.model)
        self.model.pop(key, None)

    @rule(key=KEYS, by=st.integers(-1000, 1000))
    def increment(self, key: str, by: int) -> None:
        partition, current = self.model.get(key, ("default", 0))
        if type(current) is not int:
            with pytest.raises(errors.InvalidValue):
                self.memory.increment(key, by)
            return
        assert self.memory.increment(key, by) == current + by
        self.model[key] = (partition, current + by)

    @rule(key=KEYS, expected=VALUES, new=VALUES)
    def compare_and_set(self, key: str, expected: Any, new: Any) -> None:
        partition, current = self.model.get(key, ("default", None))
        # Equal means equal as JSON: 1 is not 1.0 and True is not 1.
        same = _json(current) == _json(expected) and (key in self.model or expected is None)
        assert self.memory.compare_and_set(key, expected, new) == same
        if same:
            self.model[key] = (partition, new)

    @rule(partition=PARTITIONS)
    def clear_partition(self, partition: str) -> None:
        doomed = [key for key, (p, _) in self.model.items() if p == partition]
        assert self.memory.clear_partition(partition) == len(doomed)
        for key in doomed:
            del self.model[key]

    @rule(prefix=st.sampled_from(["", "aq", f"{NS}/", f"{NS}/a", f"{NS}/%", "b"]))
    def list_keys(self, prefix: str) -> None:
        expected = sorted(key for key in self.model if key.startswith(prefix))
        assert self.memory.list_keys(prefix) == expected

    @rule(partition=PARTITIONS)
    def list_partition(self, partition: str) -> None:
        expected = sorted(key for key, (p, _) in self.model.items() if p == partition)
        assert self.memory.list_keys(partition=partition) == expected

    @rule(pattern=PATTERNS)
    def search(self, pattern: str) -> None:
        regex = glob_to_regex(pattern)
        expected = {key: value for key, (_, value) in self.model.items() if regex.match(key)}
        assert self.memory.search(pattern) == expected

    @invariant()
    def stats_agree(self) -> None:
        stats = self.memory.stats()
        counts: dict[str, int] = {}
        for partition, _ in self.model.values():
            counts[partition] = counts.get(partition, 0) + 1
        assert (stats.keys, stats.partitions) == (len(self.model), counts)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("redis", marks=pytest.mark.redis),
    ],
)
def test_backend_behaves_like_a_dict(isolation: Isolation, backend: str) -> None:
    machine = type(f"MemoryAgainstDict_{backend}", (MemoryAgainstDict,), {})
    machine.place = isolation(backend)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
