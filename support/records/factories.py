"""Faker factories for agents and executions, seeded per scenario so failures reproduce.

The seed is derived from the scenario's node id: the same scenario always gets the same
agents, whatever runs before it and on whichever worker. The records themselves come from
``agentstore.db.demo`` (the ``agentstore seed`` command draws from the same place).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from faker import Faker

from agentstore import Database
from agentstore.db import demo, records


def seed_for(node_id: str) -> int:
    """A stable seed for one scenario."""
    return zlib.crc32(node_id.encode())


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Faker:
    """A Faker seeded from this scenario's node id."""
    return demo.faker(seed_for(request.node.nodeid))


@dataclass
class Seeded:
    """What a factory put into a store: agent names and, per agent, its executions' fields."""

    agents: list[dict[str, Any]] = field(default_factory=list)
    executions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [agent["name"] for agent in self.agents]

    @property
    def execution_count(self) -> int:
        return sum(len(runs) for runs in self.executions.values())


def agents(fake: Faker, count: int) -> list[dict[str, Any]]:
    """``count`` agents' fields."""
    return [demo.agent_fields(fake, index) for index in range(1, count + 1)]


def executions(fake: Faker, count: int) -> list[dict[str, Any]]:
    """``count`` executions' fields."""
    return [demo.execution_fields(fake) for _ in range(count)]


def seed_store(database: Database, fake: Faker, agent_count: int, each: int) -> Seeded:
    """Record ``agent_count`` agents with ``each`` executions apiece through the public API."""
    seeded = Seeded()
    with database.session() as session:
        for fields in agents(fake, agent_count):
            agent = records.create_agent(session, **fields)
            runs = executions(fake, each)
            for run in runs:
                records.record_execution(session, agent.id, **run)
            seeded.agents.append(fields)
            seeded.executions[agent.name] = runs
    return seeded
