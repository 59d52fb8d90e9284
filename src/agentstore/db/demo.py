"""Demo data: plausible agents and executions made with Faker, reproducible from a seed.

``agentstore seed`` and the specification's factories both draw their records from here,
so there is one idea of what a realistic agent looks like.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from agentstore.db import records
from agentstore.db.database import Database

ROLES = ("planner", "coder", "reviewer", "researcher", "tester", "summariser")
CAPABILITIES = ("search", "summarise", "code", "review", "plan", "browse", "test", "translate")
AGENT_STATUSES = ("idle", "busy", "paused")
EXECUTION_STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "running")
# A fixed window, so that a seed alone decides every timestamp (runs reproduce on any day).
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC))


def faker(seed: int | None = None) -> Faker:
    """A Faker whose output is fixed by ``seed`` (random when ``seed`` is None)."""
    fake = Faker()
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def agent_fields(fake: Faker, index: int) -> dict[str, Any]:
    """One agent's fields; ``index`` keeps names unique within a batch."""
    return {
        "name": f"{fake.user_name()}-{index}",
        "role": fake.random_element(ROLES),
        "status": fake.random_element(AGENT_STATUSES),
        "capabilities": fake.random_elements(CAPABILITIES, length=3, unique=True),
        "priority": fake.random_int(0, 5),
    }


POOL_SIZE = 256
"""Distinct sentences drawn per kind (tasks, summaries, errors) for one Faker."""

_pools: dict[int, dict[str, list[str]]] = {}


def _pool(fake: Faker, kind: str) -> list[str]:
    """``POOL_SIZE`` sentences of one kind, drawn once from ``fake`` (so its seed decides them).

    Faker spends about 100 µs on each sentence; picking from a pool with Faker's own random
    generator makes 100,000 executions cost a few hundred sentences instead of 250,000.
    """
    pools = _pools.setdefault(id(fake), {})
    if kind not in pools:
        words = 6 if kind == "task" else 8
        pools[kind] = [fake.sentence(nb_words=words).rstrip(".") for _ in range(POOL_SIZE)]
    return pools[kind]


_SPAN_SECONDS = int((WINDOW[1] - WINDOW[0]).total_seconds())


def execution_fields(fake: Faker) -> dict[str, Any]:
    """One execution's fields; its duration is a whole number of milliseconds."""
    return execution_batch(fake, 1)[0]


def execution_batch(fake: Faker, count: int) -> list[dict[str, Any]]:
    """``count`` executions' fields, drawn as ``count`` calls of :func:`execution_fields` would
    draw them (same seed, same rows), without Faker's per-call attribute lookups."""
    rng = fake.random  # one lookup: Faker's proxy makes each attribute access cost
    choice, randrange, randint = rng.choice, rng.randrange, rng.randint
    pools = _pools.setdefault(id(fake), {})
    start, span = WINDOW[0], _SPAN_SECONDS
    batch = []
    for _ in range(count):
        status = choice(EXECUTION_STATUSES)
        started = start + timedelta(seconds=randrange(span))
        milliseconds = randint(5, 600_000)
        done = status != "running"
        # Pools are drawn the first time a kind is needed, as before: the seed's sequence holds.
        task = choice(pools.get("task") or _pool(fake, "task"))
        batch.append(
            {
                "task": task,
                "status": status,
                "started_at": started,
                "finished_at": started + timedelta(milliseconds=milliseconds) if done else None,
                "duration_seconds": milliseconds / 1000 if done else None,
                "output": {"summary": choice(pools.get("summary") or _pool(fake, "summary"))}
                if status == "succeeded"
                else None,
                "error": choice(pools.get("error") or _pool(fake, "error"))
                if status == "failed"
                else None,
            }
        )
    return batch


BATCH = 5_000
"""Executions drawn at a time when seeding (one agent's stream in as one statement)."""


def seed(database: Database, agents: int, executions: int, seed: int | None = None) -> list[str]:
    """Add ``agents`` agents with ``executions`` executions each; returns the agents' names.

    Each agent's executions go in as one statement (``records.record_executions``: COPY on
    PostgreSQL), drawn ``BATCH`` at a time as it reads them; all in one transaction.
    """
    fake = faker(seed)
    names = []
    try:
        with database.session() as session:
            # Numbering continues after the agents already there: seeding twice never collides.
            first = records.count_agents(session) + 1
            for index in range(first, first + agents):
                agent = records.create_agent(session, **agent_fields(fake, index))
                names.append(agent.name)
                sizes = [BATCH] * (executions // BATCH) + [executions % BATCH]
                runs = itertools.chain.from_iterable(execution_batch(fake, n) for n in sizes)
                records.record_executions(session, agent.id, runs)
    finally:
        _pools.pop(id(fake), None)
    return names
