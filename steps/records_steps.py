"""Steps for agents and executions as records: create, read, change, remove, refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faker import Faker
from pytest_bdd import given, parsers, then, when
from sqlalchemy.orm import Session

from agentstore import Database
from agentstore.db import Execution, records
from steps.parameter_types import TYPES
from support.common.expect import expect, expect_that, shown
from support.common.outcomes import Outcome, attempt_in_session, refused_because
from support.records import factories
from support.records.databases import Opener
from support.records.factories import Seeded


def latest_run(session: Session, name: str, task: str) -> Execution:
    """The latest execution of ``task`` by the agent ``name``."""
    return [run for run in records.executions_of(session, name) if run.task == task][-1]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive times (stored as UTC); PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Given ----------------------------------------------------------------------------------------


@given("an agent store", target_fixture="db")
def _(open_database: Opener, backend: str) -> Database:
    return open_database(backend)


@given(
    parsers.parse('an agent store with the agent "{name:Text}" as a "{role:Text}"', TYPES),
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


@given(parsers.parse('"{name:Text}" is running the task "{task:Text}"', TYPES))
def _(db: Database, name: str, task: str) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        records.record_execution(
            session, agent.id, task, status="running", started_at=datetime.now(UTC)
        )


@given(parsers.parse('"{name:Text}" has run the tasks {tasks:Names}', TYPES))
def _(db: Database, name: str, tasks: list[str]) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        for task in tasks:
            records.record_execution(session, agent.id, task, status="succeeded")


# When -----------------------------------------------------------------------------------------


@when(
    parsers.parse(
        'the agent "{name:Text}" is created as a "{role:Text}" '
        "with capabilities {capabilities:Names}",
        TYPES,
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, role: str, capabilities: list[str]) -> Outcome:
    return attempt_in_session(
        db, lambda session: records.create_agent(session, name, role, capabilities=capabilities)
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
    parsers.parse("one transaction creates the agents {agents:Names}", TYPES),
    target_fixture="outcome",
)
def _(db: Database, agents: list[str]) -> Outcome:
    def create_all(session: Session) -> None:
        for name in agents:
            records.create_agent(session, name, "helper")

    return attempt_in_session(db, create_all)


def record_run(db: Database, name: str, task: str, **fields: object) -> Outcome:
    """Record one execution of ``task`` by the agent ``name``, keeping the outcome."""

    def record(session: Session) -> None:
        agent = records.get_agent(session, name)
        records.record_execution(session, agent.id, task, **fields)

    return attempt_in_session(db, record)


@when(
    parsers.parse(
        '"{name:Text}" records the task "{task:Text}" succeeding in {seconds:g} seconds', TYPES
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str, seconds: float) -> Outcome:
    return record_run(db, name, task, status="succeeded", duration_seconds=seconds)


@when(
    parsers.parse(
        '"{name:Text}" records the task "{task:Text}" failing with "{error:Text}"', TYPES
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str, error: str) -> Outcome:
    return record_run(db, name, task, status="failed", error=error)


@when(
    parsers.parse(
        '"{name:Text}" finishes the task "{task:Text}" succeeding in {seconds:g} seconds', TYPES
    ),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str, seconds: float) -> Outcome:
    def finish(session: Session) -> None:
        running = latest_run(session, name, task)
        records.finish_execution(session, running.id, "succeeded", duration_seconds=seconds)

    return attempt_in_session(db, finish)


@when(
    parsers.parse('the execution of "{name:Text}" for the task "{task:Text}" is removed', TYPES),
    target_fixture="outcome",
)
def _(db: Database, name: str, task: str) -> Outcome:
    return attempt_in_session(
        db, lambda session: records.delete_execution(session, latest_run(session, name, task).id)
    )


@when("an execution is recorded for an agent that does not exist", target_fixture="outcome")
def _(db: Database) -> Outcome:
    return attempt_in_session(
        db, lambda session: records.record_execution(session, 987_654, "look for a ghost")
    )


# Then -----------------------------------------------------------------------------------------


@then(
    parsers.parse(
        'the agent "{name:Text}" is a "{role:Text}" with capabilities {capabilities:Names}', TYPES
    )
)
def _(db: Database, name: str, role: str, capabilities: list[str]) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        found = {"role": agent.role, "capabilities": agent.capabilities}
        expect(found, {"role": role, "capabilities": capabilities}, f"{shown(name)} to be")


@then(parsers.parse('the agent "{name:Text}" is a "{role:Text}" with no capabilities', TYPES))
def _(db: Database, name: str, role: str) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        found = {"role": agent.role, "capabilities": agent.capabilities}
        expect(found, {"role": role, "capabilities": []}, f"{shown(name)} to be")


@then(parsers.parse('the agent "{name:Text}" is "{status:Text}" with priority {priority:d}', TYPES))
def _(db: Database, name: str, status: str, priority: int) -> None:
    with db.session() as session:
        agent = records.get_agent(session, name)
        found = {"status": agent.status, "priority": agent.priority}
        expect(found, {"status": status, "priority": priority}, f"{shown(name)} to be")


@then(parsers.parse('there is no agent "{name:Text}"', TYPES))
def _(db: Database, name: str) -> None:
    with db.session() as session:
        found = records.find_agent(session, name) is not None
        expect(found, False, f"an agent {shown(name)} to exist:")


@then(parsers.re(r"the store holds (?P<agents>\d+) agents? and (?P<runs>\d+) executions?$"))
def _(db: Database, agents: str, runs: str) -> None:
    with db.session() as session:
        counts = (records.count_agents(session), records.count_executions(session))
        found = {"agents": counts[0], "executions": counts[1]}
        expect(found, {"agents": int(agents), "executions": int(runs)}, "the store to hold")


@then(parsers.re(r'"(?P<name>[^"]+)" has (?P<count>\d+) executions?$'))
def _(db: Database, name: str, count: str) -> None:
    with db.session() as session:
        held = len(records.executions_of(session, name))
        expect(held, int(count), f"{shown(name)} to have executions:")


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
        found = {"task": latest.task, "status": latest.status}
        expect(
            found, {"task": task, "status": "succeeded"}, f"the latest execution of {shown(name)}"
        )
        expect_that(
            latest.duration_seconds == pytest.approx(seconds),
            f"{shown(seconds)} seconds",
            f"{shown(latest.duration_seconds)} seconds",
        )


@then(parsers.parse('the latest execution of "{name:Text}" failed with "{error:Text}"', TYPES))
def _(db: Database, name: str, error: str) -> None:
    with db.session() as session:
        latest = records.executions_of(session, name)[-1]
        found = {"status": latest.status, "error": latest.error}
        expect(
            found, {"status": "failed", "error": error}, f"the latest execution of {shown(name)}"
        )


@then(parsers.parse('the latest execution of "{name:Text}" ended after it started', TYPES))
def _(db: Database, outcome: Outcome, name: str) -> None:
    expect(outcome.error, None, "the execution recorded with the error")
    with db.session() as session:
        latest = records.executions_of(session, name)[-1]
        started, finished = latest.started_at, latest.finished_at
        expect_that(started is not None, "a start time", "none")
        expect_that(finished is not None, "an end time", "none")
        expect_that(
            as_utc(finished) >= as_utc(started), f"an end after the start {started}", f"{finished}"
        )


@then(parsers.parse("the request is refused because {reason:RefusalReason}", TYPES))
def _(outcome: Outcome, reason: str) -> None:
    refused_because(outcome, reason)


@then(parsers.parse("every other agent still has its {count:d} executions"))
def _(db: Database, seeded: Seeded, removed: str, count: int) -> None:
    with db.session() as session:
        for name in seeded.names:
            if name != removed:
                held = len(records.executions_of(session, name))
                expect(held, count, f"{shown(name)} to still have executions:")
