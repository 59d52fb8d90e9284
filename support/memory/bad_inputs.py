"""Bad input the memory must refuse: the inputs JSON cannot write, and what "unchanged" means.

``attempt`` makes one call and returns the error raised (or None) with a snapshot taken just
before; ``snapshot`` records everything the API can see so "unchanged" can be checked exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentstore import MemoryStats, MemoryStore, errors
from support.common.exact import shape


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


NAMED: dict[str, Any] = {
    "a key of 513 characters": "aqe/" + "k" * 509,
    "raw bytes": b"\x00\x01",
    "a set": {1, 2},
    "a tuple": (1, 2),
    "an arbitrary object": object(),
    "an object with number keys": {1: "one"},
    "a key with a lone surrogate": "aqe/fa\ud800ct",
    "a value nested 100 deep": _nested(100),
}
"""Inputs JSON cannot write, by the names bad-input tables give them."""

ERRORS: dict[str, type[Exception]] = {
    "an invalid key": errors.InvalidKey,
    "an invalid value": errors.InvalidValue,
    "an invalid time-to-live": errors.InvalidTTL,
}

TTL_SLACK = 0.5
"""Seconds a time-to-live may run down beyond the time measured between two looks at it
(Redis rounds to milliseconds, SQL clocks tick per statement)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything the API shows of a memory: keys, values, time-to-live of each key, stats."""

    keys: list[str]
    values: dict[str, Any]
    ttls: dict[str, float | None]
    stats: MemoryStats
    started: float = field(default_factory=time.monotonic)
    finished: float = field(default_factory=time.monotonic)

    def differences(self, later: Snapshot) -> list[str]:
        """What changed from this snapshot to ``later``; a TTL may only have run down by the
        time that passed between the two (measured, on however loaded a machine)."""
        changed = [
            f"{what}: {mine!r} -> {theirs!r}"
            for what, mine, theirs in (
                ("keys", self.keys, later.keys),
                ("values", shape(self.values), shape(later.values)),
                ("stats", self.stats, later.stats),
            )
            if mine != theirs
        ]
        for key in sorted(set(self.ttls) | set(later.ttls)):
            mine, theirs = self.ttls.get(key), later.ttls.get(key)
            # Both looks at a TTL fall between this snapshot's start and the later one's end.
            if not _same_ttl(mine, theirs, later.finished - self.started + TTL_SLACK):
                changed.append(f"time-to-live of {key!r}: {mine!r} -> {theirs!r}")
        return changed


def _same_ttl(before: float | None, after: float | None, ran_down: float) -> bool:
    if before is None or after is None:
        return before is after
    return before - ran_down <= after <= before


def snapshot(memory: MemoryStore) -> Snapshot:
    """Everything the API shows of ``memory`` now."""
    started = time.monotonic()
    keys = memory.list_keys()
    ttls = {key: memory.ttl(key) for key in keys}
    values, stats = memory.retrieve_many(keys), memory.stats()
    return Snapshot(keys, values, ttls, stats, started, time.monotonic())


@dataclass(frozen=True)
class Attempt:
    """A bad input tried: the memory as it was just before, and the error raised (None if it
    was wrongly accepted)."""

    before: Snapshot
    error: Exception | None


def attempt(memory: MemoryStore, call: Callable[[MemoryStore], Any]) -> Attempt:
    """Snapshot the memory, then try the bad input (``call``) on it."""
    before = snapshot(memory)
    try:
        call(memory)
    except Exception as exc:
        return Attempt(before, exc)
    return Attempt(before, None)
