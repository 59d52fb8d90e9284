"""The fleet commander on every queue backend, its records in a relational database."""

from __future__ import annotations

import pytest

from agentstore import Database, FleetCommander, Task, open_memory
from agentstore.db import records
from harness.isolation.places import Isolation


@pytest.mark.parametrize("backend", ["postgres", "sqlite", "redis"])
def test_tasks_go_by_capability_and_every_execution_is_recorded(
    isolation: Isolation, backend: str
) -> None:
    place = isolation(backend)
    database = isolation.closing(Database(isolation("sqlite").url), Database.dispose)
    memory = isolation.closing(open_memory(place.url, prefix=place.prefix))
    commander = isolation.closing(
        FleetCommander(place.url, database, memory=memory, prefix=place.prefix, backoff=0)
    )
    commander.enlist("translator", "worker", ["translate"])
    commander.enlist("summariser", "worker", ["summarise"])
    tasks = [Task(f"t{n}", "translate", n) for n in range(4)]
    tasks += [Task(f"s{n}", "summarise", n) for n in range(3)] + [Task("bad", "summarise", -1)]
    commander.dispatch(tasks)

    def handle(task: str, payload: int, shared) -> int:
        if payload < 0:
            raise ValueError("cannot summarise a negative")
        shared.increment("aqe/fleet/progress")
        return payload * 2

    ran = {name: commander.agent(name).work(handle) for name in ("translator", "summariser")}
    report = commander.report()
    assert (report.total, report.done, report.dead, report.finished) == (8, 7, ["bad"], True)
    assert memory.retrieve("aqe/fleet/progress") == 7
    with database.session() as session:
        by_agent = {
            name: sorted((e.task, e.status) for e in records.executions_of(session, name))
            for name in ran
        }
    assert by_agent["translator"] == [(f"t{n}", "succeeded") for n in range(4)]
    assert by_agent["summariser"] == sorted(
        [("bad", "failed")] * 3 + [(f"s{n}", "succeeded") for n in range(3)]
    )
