"""Agents and their memories for the memory features: opening, closing, rich values, Q-tables.

Steps stay one-liners by calling these helpers; every memory opened here is closed by the
``memories`` fixture in ``steps/memory/remembering_steps.py`` when the scenario ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from agentstore import MemoryStore
from harness.isolation.places import Isolated, Isolation
from support.api import openers
from support.common.expect import expect_that, fail, shown

NAMESPACE = "aqe"


class Memories:
    """Opens memories in a scenario's own place; the scenario's isolation closes them.

    With ``--api=async`` each memory is ``agentstore.asyncio``'s, behind a sync facade
    (``support.api.openers``).
    """

    def __init__(self, isolation: Isolation) -> None:
        self._isolation = isolation

    def open(self, place: Isolated, scope: str = "") -> MemoryStore:
        """The memory of ``place``; a ``scope`` gives a store of its own on the same server."""
        memory = openers.open_memory(place.url, NAMESPACE, place.prefix + scope)
        return self._isolation.closing(memory)

    def close(self, memory: MemoryStore) -> None:
        """Close one memory now (closing it again at the end does no harm)."""
        memory.close()


def partition_counts(parts: list[str]) -> dict[str, int]:
    """Partitions with their counts as Gherkin lists them (``chat: 1``, ``facts: 2``) -> dict."""
    counts = {}
    for part in parts:
        name, separator, count = part.partition(":")
        if not separator or not count.strip().isdigit():
            raise ValueError(f"a partition count reads 'name: number', not {part!r}")
        counts[name.strip()] = int(count)
    return counts


def rich_value(seed: int = 4) -> dict[str, Any]:
    """A value with everything JSON holds, including its awkward corners (seeded, repeatable)."""
    fake = Faker(["en_US", "ja_JP", "de_DE"])
    fake.seed_instance(seed)
    return {
        "agent": fake.name(),
        "motto": fake.sentence() + " ✓ ñ 漢字 🚀",
        "visits": fake.random_int(0, 10_000),
        "huge": 2**100 + fake.random_int(),
        "negative": -(2**70),
        "ratio": fake.pyfloat(),
        "tiny": 5e-324,
        "empty_text": "",
        "empty_list": [],
        "empty_object": {},
        "flags": [True, False, None],
        "nested": {"tasks": [{"id": i, "title": fake.catch_phrase()} for i in range(3)]},
        "quotes": 'a "quoted" \\ back\\slash\nnew line\ttab',
    }


def q_key(state: str, action: str) -> str:
    """Where an agent keeps the learned value of taking ``action`` in ``state``."""
    return f"{NAMESPACE}/q/{state}/{action}"


def learn(memory: MemoryStore, table: list[dict[str, str]]) -> dict[tuple[str, str], float]:
    """Store a Q-table given as rows of state, action, value; returns it as a dict."""
    learned = {(row["state"], row["action"]): float(row["value"]) for row in table}
    memory.store_many({q_key(s, a): v for (s, a), v in learned.items()})
    return learned


def recall_q_values(memory: MemoryStore) -> dict[tuple[str, str], float]:
    """Every Q-value the memory holds, read back by pattern."""
    found = memory.search(q_key("*", "*"))
    return {tuple(key.split("/")[2:4]): value for key, value in found.items()}


@dataclass(frozen=True)
class Timed:
    """A fact remembered with a time-to-live, and when (on this machine's clock) it was sent."""

    value: Any
    ttl: float
    sent: float


def remember_for(memory: MemoryStore, key: str, value: Any, ttl: float) -> Timed:
    """Remember ``key`` for ``ttl`` seconds, noting the moment just before the call."""
    sent = time.monotonic()
    memory.store(key, value, ttl=ttl)
    return Timed(value, ttl, sent)


MISSING = object()
ATTEMPTS = 20


def recall_in_time(memory: MemoryStore, key: str, timed: Timed) -> Any:
    """What ``key`` recalls while its time-to-live lasts.

    A fact missing although less than its time-to-live has passed since it was sent fails at
    once: that is the rule broken. A machine so loaded that the time-to-live ran out before
    the recall could look is not evidence either way: the fact is remembered again and looked
    up again, up to ``ATTEMPTS`` times.
    """
    for _ in range(ATTEMPTS):
        found = memory.retrieve(key, MISSING)
        elapsed = time.monotonic() - timed.sent
        if found is not MISSING:
            return found
        expect_that(
            elapsed >= timed.ttl,
            f"{shown(key)} recalled while its {shown(timed.ttl)} seconds to live lasted",
            f"it forgotten after {elapsed:.3f} seconds",
        )
        timed = remember_for(memory, key, timed.value, timed.ttl)
    fail(
        f"a recall within {shown(timed.ttl)} seconds of remembering",
        f"the machine too slow to look in time in {ATTEMPTS} tries",
    )


def expect_forgotten(memory: MemoryStore, key: str, expired: bool = False) -> None:
    """Fail unless ``key`` is neither recalled nor found; an ``expired`` fact is also neither
    listed, matched, batch-recalled, given a time-to-live nor counted."""
    left = []
    if memory.retrieve(key, MISSING) is not MISSING:
        left.append("recalled")
    if memory.exists(key):
        left.append("existing")
    if expired:
        if key in memory.list_keys():
            left.append("listed")
        if key in memory.search(key):
            left.append("matched")
        if key in memory.retrieve_many([key]):
            left.append("batch-recalled")
        try:
            memory.ttl(key)
            left.append("given a time to live")
        except KeyError:
            pass
        if memory.stats().keys != len(memory.list_keys()):
            left.append("counted")
    expect_that(not left, f"{shown(key)} gone", f"it still {' and '.join(left)}")


@dataclass(frozen=True)
class Agent:
    """An agent and its memory in the scenario's own place."""

    place: Isolated
    memory: MemoryStore
    scope: str = ""
    timed: dict[str, Timed] = field(default_factory=dict)
