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


def execution_fields(fake: Faker) -> dict[str, Any]:
    """One execution's fields; its duration is a whole number of milliseconds."""
    status = fake.random_element(EXECUTION_STATUSES)
    started = fake.date_time_between(*WINDOW, tzinfo=UTC).replace(microsecond=0)
    milliseconds = fake.random_int(5, 600_000)
    done = status != "running"
    return {
        "task": fake.sentence(nb_words=6).rstrip("."),
        "status": status,
        "started_at": started,
        "finished_at": started + timedelta(milliseconds=milliseconds) if done else None,
        "duration_seconds": milliseconds / 1000 if done else None,
        "output": {"summary": fake.sentence()} if status == "succeeded" else None,
        "error": fake.sentence() if status == "failed" else None,
    }


def seed(database: Database, agents: int, executions: int, seed: int | None = None) -> list[str]:
    """Add ``agents`` agents with ``executions`` executions each; returns the agents' names."""
    fake = faker(seed)
    names = []
    with database.session() as session:
        # Numbering continues after the agents already there, so seeding twice never collides.
        first = records.count_agents(session) + 1
        for index in range(first, first + agents):
            agent = records.create_agent(session, **agent_fields(fake, index))
            names.append(agent.name)
            for _ in range(executions):
                records.record_execution(session, agent.id, **execution_fields(fake))
    return names
