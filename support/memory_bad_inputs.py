"""The bad inputs the memory must refuse, by the names the bad-input feature gives them.

Each name maps to one attempted call; ``attempt`` makes it and returns the error raised (or
None) with a snapshot taken just before; ``snapshot`` records everything the API can see so
"unchanged" can be checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentstore import MemoryStats, MemoryStore, errors

GOOD_KEY = "aqe/fact"

_KEYS: dict[str, Any] = {
    "a key in another namespace": "other/fact",
    "a key with no namespace": "fact",
    "an empty key": "",
    "the bare namespace": "aqe/",
    "a key of 513 characters": "aqe/" + "k" * 509,
    "a key holding NUL": "aqe/fa\x00ct",
    "a key holding a line break": "aqe/fa\nct",
    "a key holding an escape character": "aqe/fa\x1bct",
    "a key that is a number": 42,
}

_VALUES: dict[str, Any] = {
    "the value NaN": float("nan"),
    "the value Infinity": float("inf"),
    "the value -Infinity": float("-inf"),
    "a list holding NaN": [1, float("nan")],
    "raw bytes": b"\x00\x01",
    "a set": {1, 2},
    "a tuple": (1, 2),
    "an arbitrary object": object(),
    "an object with number keys": {1: "one"},
}

_TTLS: dict[str, Any] = {
    "a TTL of 0 seconds": 0,
    "a TTL of -1 seconds": -1,
    "a TTL of NaN seconds": float("nan"),
    "an infinite TTL": float("inf"),
    'a TTL written as text "10"': "10",
    "a TTL of true": True,
}

ERRORS: dict[str, type[Exception]] = {
    "an invalid key": errors.InvalidKey,
    "an invalid value": errors.InvalidValue,
    "an invalid time-to-live": errors.InvalidTTL,
}

TTL_TOLERANCE = 1.0  # seconds a time-to-live may run down between two looks at it


def call_for(name: str) -> Callable[[MemoryStore], Any]:
    """The store call the bad input ``name`` stands for."""
    if name in _KEYS:
        return lambda memory: memory.store(_KEYS[name], "value")
    if name in _VALUES:
        return lambda memory: memory.store(GOOD_KEY, _VALUES[name])
    if name in _TTLS:
        return lambda memory: memory.store(GOOD_KEY, "value", ttl=_TTLS[name])
    raise KeyError(f"no bad input is called {name!r}; known: {sorted(_KEYS | _VALUES | _TTLS)}")


@dataclass(frozen=True)
class Snapshot:
    """Everything the API shows of a memory: keys, values, time-to-live of each key, stats."""

    keys: list[str]
    values: dict[str, Any]
    ttls: dict[str, float | None]
    stats: MemoryStats

    def differences(self, later: Snapshot) -> list[str]:
        """What changed from this snapshot to ``later``; a TTL may only have run down a little."""
        changed = [
            f"{what}: {mine!r} -> {theirs!r}"
            for what, mine, theirs in (
                ("keys", self.keys, later.keys),
                ("values", self.values, later.values),
                ("stats", self.stats, later.stats),
            )
            if mine != theirs
        ]
        for key in sorted(set(self.ttls) | set(later.ttls)):
            mine, theirs = self.ttls.get(key), later.ttls.get(key)
            if not _same_ttl(mine, theirs):
                changed.append(f"time-to-live of {key!r}: {mine!r} -> {theirs!r}")
        return changed


def _same_ttl(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is after
    return before - TTL_TOLERANCE <= after <= before


def snapshot(memory: MemoryStore) -> Snapshot:
    keys = memory.list_keys()
    ttls = {key: memory.ttl(key) for key in keys}
    return Snapshot(keys, memory.retrieve_many(keys), ttls, memory.stats())


@dataclass(frozen=True)
class Attempt:
    """A bad input tried: the memory as it was just before, and the error raised (None if it
    was wrongly accepted)."""

    before: Snapshot
    error: Exception | None


def attempt(memory: MemoryStore, name: str) -> Attempt:
    """Snapshot the memory, then try the bad input ``name`` on it."""
    before = snapshot(memory)
    try:
        call_for(name)(memory)
    except Exception as exc:
        return Attempt(before, exc)
    return Attempt(before, None)
