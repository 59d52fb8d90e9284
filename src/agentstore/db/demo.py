"""Demo data: plausible agents and executions made with Faker, reproducible from a seed.

``agentstore seed`` and the specification's factories both draw their records from here,
so there is one idea of what a realistic agent looks like.
"""

from __future__ import annotations

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
    rng = fake.random
    status = rng.choice(EXECUTION_STATUSES)
    started = WINDOW[0] + timedelta(seconds=rng.randrange(_SPAN_SECONDS))
    milliseconds = rng.randint(5, 600_000)
    done = status != "running"
    return {
        "task": rng.choice(_pool(fake, "task")),
        "status": status,
        "started_at": started,
        "finished_at": started + timedelta(milliseconds=milliseconds) if done else None,
        "duration_seconds": milliseconds / 1000 if done else None,
        "output": {"summary": rng.choice(_pool(fake, "summary"))}
        if status == "succeeded"
        else None,
        "error": rng.choice(_pool(fake, "error")) if status == "failed" else None,
    }


BATCH = 5_000
"""Executions written per statement when seeding (one executemany each)."""


def seed(database: Database, agents: int, executions: int, seed: int | None = None) -> list[str]:
    """Add ``agents`` agents with ``executions`` executions each; returns the agents' names.

    Executions go in batches of ``BATCH`` rows per statement, all in one transaction.
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
                remaining = executions
                while remaining:
                    batch = min(remaining, BATCH)
                    runs = [execution_fields(fake) for _ in range(batch)]
                    records.record_executions(session, agent.id, runs)
                    remaining -= batch
    finally:
        _pools.pop(id(fake), None)
    return names
