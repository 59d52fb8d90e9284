"""Steps for the fleet commander: dispatching tasks to the agents able to do them."""

from __future__ import annotations

from pytest_bdd import given, then, when

from agentstore import (
    Database,
    FleetCommander,
    open_memory,
)
from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.common.expect import expect, expect_that, shown
from support.coordination import fleet as fleets

_step = phrase


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
            capable = task.rsplit("-", 1)[0] in fleet.agents[agent]
            expect_that(capable, f"{shown(task)} done by an agent who can", shown(agent))
            expect(status, "succeeded", f"{shown(task)} by {shown(agent)} to have")
            seen.append(task)
    total = fleet.commander.report().total
    expect_that(
        len(seen) == len(set(seen)) == total,
        f"each of the {total} tasks recorded once",
        f"{len(seen)} executions of {len(set(seen))} tasks",
    )


@then(_step("the commander reports all {count:d} tasks done and none dead"))
def _(fleet: fleets.Fleet, count: int) -> None:
    report = fleet.commander.report()
    found = {
        "tasks": report.total,
        "done": report.done,
        "dead": report.dead,
        "finished": report.finished,
    }
    expect(found, {"tasks": count, "done": count, "dead": [], "finished": True}, "the report")


@then(_step('the commander reports {count:d} tasks done and "{name:Text}" dead'))
def _(fleet: fleets.Fleet, count: int, name: str) -> None:
    report = fleet.commander.report()
    found = {"done": report.done, "dead": report.dead, "finished": report.finished}
    expect(found, {"done": count, "dead": [name], "finished": True}, "the report")


@then(_step('"{agent:Text}" has {count:d} failed executions of "{task:Text}"'))
def _(fleet: fleets.Fleet, agent: str, count: int, task: str) -> None:
    """One failed execution recorded per attempt."""
    runs = fleets.executions(fleet)[agent]
    failed = runs.count((task, "failed"))
    expect(failed, count, f"{shown(agent)} to have failed executions of {shown(task)}:")


@then(_step("the shared memory holds {count:d} intermediate results"))
def _(fleet: fleets.Fleet, count: int) -> None:
    """Each task's result, shared by the agent that did it."""
    expect(len(fleet.memory.list_keys(fleets.RESULTS)), count, "intermediate results:")
