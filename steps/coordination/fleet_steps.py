"""Steps for the fleet commander: dispatching tasks to the agents able to do them."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from agentstore import (
    Database,
    FleetCommander,
    open_memory,
)
from harness.isolation.places import Isolation
from steps.parameter_types import TYPES
from support.coordination import fleet as fleets


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


@given(
    _step(
        'the agent "{first:Text}" who can "{first_can:Text}"'
        ' and the agent "{second:Text}" who can "{second_can:Text}"'
    ),
    target_fixture="fleet",
)
def _(
    isolation: Isolation,
    backend: str,
    first: str,
    first_can: str,
    second: str,
    second_can: str,
) -> fleets.Fleet:
    """Enlisted in the records (on SQLite when the queue is on Redis), sharing a memory."""
    place = isolation(backend)
    records_url = (
        place.url if backend not in ("redis", "redis_cluster") else isolation("sqlite").url
    )
    database = isolation.closing(Database(records_url), Database.dispose)
    memory = isolation.closing(open_memory(place.url, prefix=place.prefix))
    commander = isolation.closing(
        FleetCommander(place.url, database, memory=memory, prefix=place.prefix, backoff=0)
    )
    agents = {first: [first_can], second: [second_can]}
    for name, capabilities in agents.items():
        commander.enlist(name, "worker", capabilities)
    return fleets.Fleet(commander, database, memory, agents)


@when(
    _step(
        'the commander dispatches {count:d} "{capability:Text}" tasks'
        ' and {other_count:d} "{other:Text}" tasks'
    )
)
def _(fleet: fleets.Fleet, count: int, capability: str, other_count: int, other: str) -> None:
    """Tasks named after their capability, numbered from 0."""
    fleet.commander.dispatch(fleets.tasks(capability, count) + fleets.tasks(other, other_count))


@when(
    _step(
        'the commander dispatches {count:d} "{capability:Text}" tasks and the'
        ' "{failing:Text}" task "{name:Text}" that always fails'
    )
)
def _(fleet: fleets.Fleet, count: int, capability: str, failing: str, name: str) -> None:
    """The failing task is tried as often as the commander allows (3 times)."""
    fleet.commander.dispatch([*fleets.tasks(capability, count), fleets.failing(failing, name)])


@when("the agents work until nothing is left for them")
def _(fleet: fleets.Fleet) -> None:
    """Each agent in a thread of its own, claiming only what it can do."""
    fleets.work_until_done(fleet)


@then("every execution is recorded against the agent capable of its task")
def _(fleet: fleets.Fleet) -> None:
    """Each task once, succeeded, by an agent whose capabilities include the task's."""
    seen = []
    for agent, runs in fleets.executions(fleet).items():
        for task, status in runs:
            assert task.rsplit("-", 1)[0] in fleet.agents[agent], (agent, task)
            assert status == "succeeded", (agent, task, status)
            seen.append(task)
    assert len(seen) == len(set(seen)) == fleet.commander.report().total


@then(_step("the commander reports all {count:d} tasks done and none dead"))
def _(fleet: fleets.Fleet, count: int) -> None:
    report = fleet.commander.report()
    assert (report.total, report.done, report.dead, report.finished) == (count, count, [], True)


@then(_step('the commander reports {count:d} tasks done and "{name:Text}" dead'))
def _(fleet: fleets.Fleet, count: int, name: str) -> None:
    report = fleet.commander.report()
    assert (report.done, report.dead, report.finished) == (count, [name], True)


@then(_step('"{agent:Text}" has {count:d} failed executions of "{task:Text}"'))
def _(fleet: fleets.Fleet, agent: str, count: int, task: str) -> None:
    """One failed execution recorded per attempt."""
    runs = fleets.executions(fleet)[agent]
    assert runs.count((task, "failed")) == count, runs


@then(_step("the shared memory holds {count:d} intermediate results"))
def _(fleet: fleets.Fleet, count: int) -> None:
    """Each task's result, shared by the agent that did it."""
    assert len(fleet.memory.list_keys(fleets.RESULTS)) == count
