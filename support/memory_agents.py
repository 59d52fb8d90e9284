"""Agents and their memories for the memory features: opening, closing, rich values, Q-tables.

Steps stay one-liners by calling these helpers; every memory opened here is closed by the
``memories`` fixture in ``steps/memory_steps.py`` when the scenario ends.
"""

from __future__ import annotations

from typing import Any

from faker import Faker

from agentstore import MemoryStore, open_memory
from harness.isolation.places import Isolated

NAMESPACE = "aqe"


class Memories:
    """Opens memories in a scenario's own place and closes every one of them at the end."""

    def __init__(self) -> None:
        self._open: list[MemoryStore] = []

    def open(self, place: Isolated, scope: str = "") -> MemoryStore:
        """The memory of ``place``; a ``scope`` gives a store of its own on the same server."""
        memory = open_memory(place.url, namespace=NAMESPACE, prefix=place.prefix + scope)
        self._open.append(memory)
        return memory

    def close(self, memory: MemoryStore) -> None:
        memory.close()
        if memory in self._open:
            self._open.remove(memory)

    def close_all(self) -> None:
        while self._open:
            self._open.pop().close()


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
