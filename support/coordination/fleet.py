"""The fleet commander's scenarios: two agents of different capabilities, a batch of tasks,
and a handler that shares each intermediate result through the memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentstore import Database, FleetCommander, MemoryStore, Task
from agentstore.db import records
from support.coordination.workloads import run_workers

RESULTS = "aqe/fleet/results/"


@dataclass
class Fleet:
    commander: FleetCommander
    database: Database
    memory: MemoryStore
    agents: dict[str, list[str]]


def handle(task: str, payload: Any, memory: MemoryStore | None) -> Any:
    """What an agent does for a task: fail when told to, else share a result and return it."""
    if payload.get("always_fails"):
        raise RuntimeError(f"{task} cannot be done")
    result = {"task": task, "length": len(task)}
    memory.store(RESULTS + task, result)
    return result


def tasks(capability: str, count: int) -> list[Task]:
    return [Task(f"{capability}-{n}", capability, {"n": n}) for n in range(count)]


def failing(capability: str, name: str) -> Task:
    return Task(name, capability, {"always_fails": True})


def work_until_done(fleet: Fleet) -> None:
    """Every agent, in a thread of its own, works until nothing it can do is left."""
    names = sorted(fleet.agents)
    run_workers(
        "threads",
        len(names),
        lambda barrier, name: fleet.commander.agent(name).work(handle),
        lambda barrier, i: (barrier, names[i]),
    )


def executions(fleet: Fleet) -> dict[str, list[tuple[str, str]]]:
    """Each agent's recorded executions as (task, status), in the order recorded."""
    with fleet.database.session() as session:
        return {
            name: [(e.task, e.status) for e in records.executions_of(session, name)]
            for name in fleet.agents
        }
