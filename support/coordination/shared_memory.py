"""Agents coordinating through the shared memory: a board many agents post to at once, and
a read-through cache on Redis in front of the relational records."""

from __future__ import annotations

from agentstore import Database, MemoryStore
from agentstore.db import records
from harness.isolation.places import Isolated
from support.api.openers import open_memory
from support.coordination.workloads import run_workers

BOARD = "aqe/board/"


def post_together(place: Isolated, agents: int, updates: int) -> None:
    """``agents`` threads, each with a memory of its own, post ``updates`` entries to the
    board as fast as they can, counting every post on one shared counter."""

    def post(barrier, name: str) -> None:
        with open_memory(place.url, prefix=place.prefix) as memory:
            memory.exists(BOARD + "count")  # connected before the start signal
            barrier.wait(60)
            for n in range(updates):
                memory.store(f"{BOARD}{name}/{n}", {"agent": name, "n": n})
                memory.increment(BOARD + "count")

    run_workers("threads", agents, post, lambda barrier, i: (barrier, f"agent-{i}"))


def board(memory: MemoryStore) -> tuple[int, int]:
    """How many posts the board holds, and what its shared counter says."""
    return len(memory.list_keys(BOARD)) - 1, memory.retrieve(BOARD + "count", 0)


class ReadThroughCache:
    """Agents' roles read through the cache: a hit is served by the memory, a miss by the
    database (then cached for ``ttl`` seconds); a change goes to the database and drops the
    cached copy, so the next read sees it."""

    def __init__(self, database: Database, memory: MemoryStore, ttl: float = 60.0) -> None:
        self.database = database
        self.memory = memory
        self.ttl = ttl
        self.database_reads = 0
        self.hits = 0

    @staticmethod
    def _key(name: str) -> str:
        return f"aqe/cache/agents/{name}/role"

    def role(self, name: str) -> str:
        cached = self.memory.retrieve(self._key(name))
        if cached is not None:
            self.hits += 1
            return cached
        with self.database.session() as session:
            role = records.get_agent(session, name).role
        self.database_reads += 1
        self.memory.store(self._key(name), role, ttl=self.ttl)
        return role

    def change_role(self, name: str, role: str) -> None:
        with self.database.session() as session:
            records.update_agent(session, name, role=role)
        self.memory.delete(self._key(name))
