"""Steps for agents and executions as records: create, read, change, remove, refuse."""

from __future__ import annotations

import pytest
from faker import Faker
from pytest_bdd import given, parsers, then, when

from agentstore import Database, errors
from agentstore.db import records
from steps.parameter_types import TYPES
from support import factories
from support.databases import Opener
from support.factories import Seeded
from support.outcomes import Outcome, attempt, attempt_in_session


def names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# Given ----------------------------------------------------------------------------------------


@given(parsers.parse("a {backend:Backend} agent store", TYPES), target_fixture="db")
def _(open_database: Opener, backend: str) -> Database:
    return open_database(backend)


@given(
    parsers.parse(
        'a {backend:Backend} agent store with the agent "{name:Text}" as a "{role:Text}"', TYPES
    ),
    target_fixture="db",
)
def _(open_database: Opener, backend: str, name: str, role: str) -> Database:
    db = open_database(backend)
    with db.session() as session:
        records.create_agent(session, name, role)
    return db


@given(
    parsers.re(r"(?P<count>\d+) agents?( with (?P<each>\d+) executions? each)?$"),
    target_fixture="seeded",
)
def _(db: Database, fake: Faker, count: str, each: str | None) -> Seeded:
    return factories.seed_store(db, fake, int(count), int(each or 0))


@given(parsers.parse('the agent "{name:Text}" is created as a "{role:Text}"', TYPES))
def _(db: Database, name: str, role: str) -> None:
    with db.session() as session:
        records.create_agent(session, name, role)


# When -----------------------------------------------------------------------------------------


@when(
    parsers.parse(
        'the agent "{name:Text}" is created as a "{role:Text}" '
        'with capabilities "{capabilities:Text}"',
        TYPES,
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, role: str, capabilities: str) -> Outcome:
    return attempt_in_session(
        db,
        lambda session: records.create_agent(session, name, role, capabilities=names(capabilities)),
    )


@when(
    parsers.parse('the agent "{name:Text}" is created as a "{role:Text}"', TYPES),
    target_fixture="outcome",
)
def _(db: Database, name: str, role: str) -> Outcome:
    return attempt_in_session(db, lambda session: records.create_agent(session, name, role))


@when(
    parsers.parse(
        'the agent "{name:Text}" becomes a "{role:Text}" '
        'that is "{status:Text}" with priority {p:d}',
        TYPES,
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, role: str, status: str, p: int) -> Outcome:
    return attempt_in_session(
        db,
        lambda session: records.update_agent(session, name, role=role, status=status, priority=p),
    )


@when(
    parsers.parse('the agent "{name:Text}" is renamed "{new_name:Text}"', TYPES),
    target_fixture="outcome",
)
def _(db: Database, name: str, new_name: str) -> Outcome:
    return attempt_in_session(db, lambda session: records.rename_agent(session, name, new_name))


@when(parsers.parse('the agent "{name:Text}" is removed', TYPES), target_fixture="outcome")
def _(db: Database, name: str) -> Outcome:
    return attempt_in_session(db, lambda session: records.delete_agent(session, name))


@when("the first of those agents is removed", target_fixture="removed")
def _(db: Database, seeded: Seeded) -> str:
    name = seeded.names[0]
    with db.session() as session:
        records.delete_agent(session, name)
    return name


@when(
    parsers.parse('one transaction creates the agents "{agents:Text}"', TYPES),
    target_fixture="outcome",
)
def _(db: Database, agents: str) -> Outcome:
    def create_all() -> None:
        with db.session() as session:
            for name in names(agents):
                records.create_agent(session, name, "helper")

    return attempt(create_all)


@when(
    parsers.parse(
        '"{name:Text}" records the task "{task:Text}" succeeding in {seconds:g} seconds', TYPES
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str, seconds: float) -> Outcome:
    def record() -> None:
        with db.session() as session:
            agent = records.get_agent(session, name)
            records.record_execution(
                session, agent.id, task, status="succeeded", duration_seconds=seconds
            )

    return attempt(record)


@when(
    parsers.parse(
        '"{name:Text}" records the task "{task:Text}" failing with "{error:Text}"', TYPES
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str, error: str) -> Outcome:
    def record() -> None:
        with db.session() as session:
            agent = records.get_agent(session, name)
            records.record_execution(session, agent.id, task, status="failed", error=error)

    return attempt(record)


@when("an execution is recorded for an agent that does not exist", target_fixture="outcome")
def _(db: Database) -> Outcome:
    return attempt_in_session(
        db, lambda session: records.record_execution(session, 987_654, "look for a ghost")
    )


# Then -----------------------------------------------------------------------------------------


@then(
    parsers.parse(
        'the agent "{name:Text}" is a "{role:Text}" with capabilities "{capabilities:Text}"', TYPES
    )
)
def _(db: Database, name: str, role: str, capabilities: str) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        assert (agent.role, agent.capabilities) == (role, names(capabilities))


@then(parsers.parse('the agent "{name:Text}" is "{status:Text}" with priority {priority:d}', TYPES))
def _(db: Database, name: str, status: str, priority: int) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        assert (agent.status, agent.priority) == (status, priority)


@then(parsers.parse('there is no agent "{name:Text}"', TYPES))
def _(db: Database, name: str) -> None:
    with db.session() as session:
        assert records.find_agent(session, name) is None


@then(parsers.re(r"the store holds (?P<agents>\d+) agents? and (?P<runs>\d+) executions?$"))
def _(db: Database, agents: str, runs: str) -> None:
    with db.session() as session:
        counts = (records.count_agents(session), records.count_executions(session))
    assert counts == (int(agents), int(runs))


@then(parsers.re(r'"(?P<name>[^"]+)" has (?P<count>\d+) executions?$'))
def _(db: Database, name: str, count: str) -> None:
    with db.session() as session:
        assert len(records.executions_of(session, name)) == int(count)


@then(
    parsers.parse(
        'the latest execution of "{name:Text}" is the task "{task:Text}" '
        "succeeding in {seconds:g} seconds",
        TYPES,
    )
)
def _(db: Database, name: str, task: str, seconds: float) -> None:
    with db.session() as session:
        latest = records.executions_of(session, name)[-1]
        assert (latest.task, latest.status) == (task, "succeeded")
        assert latest.duration_seconds == pytest.approx(seconds)


@then(parsers.parse('the latest execution of "{name:Text}" failed with "{error:Text}"', TYPES))
def _(db: Database, name: str, error: str) -> None:
    with db.session() as session:
        latest = records.executions_of(session, name)[-1]
        assert (latest.status, latest.error) == ("failed", error)


@then(parsers.parse('the request is refused because the name "{name:Text}" is taken', TYPES))
def _(outcome: Outcome, name: str) -> None:
    assert repr(name) in str(outcome.refused(errors.DuplicateName))


@then("the request is refused because the agent does not exist")
def _(outcome: Outcome) -> None:
    assert "no agent" in str(outcome.refused(errors.MissingRecord))


@then(parsers.parse("every other agent still has its {count:d} executions"))
def _(db: Database, seeded: Seeded, removed: str, count: int) -> None:
    with db.session() as session:
        for name in seeded.names:
            if name != removed:
                assert len(records.executions_of(session, name)) == count
