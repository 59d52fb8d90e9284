"""Steps for connections: the PostgreSQL pool, and SQLite readers and writers sharing a file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from agentstore import Database, errors
from agentstore.db import records
from agentstore.db.engine import PoolSettings, SqliteSettings
from steps.parameter_types import TYPES
from support.common.expect import expect, expect_between, expect_that, shown
from support.records import connections as workloads
from support.records.databases import Opener
from support.underneath import sql as inspect_db


@pytest.fixture
def held() -> Iterator[contextlib.ExitStack]:
    """Connections and readers a scenario keeps open; released when it ends."""
    with contextlib.ExitStack() as stack:
        yield stack


# The PostgreSQL pool --------------------------------------------------------------------------


@given(
    parsers.parse(
        "an agent store whose pool holds {size:d} connections and waits {wait:d} milliseconds"
    ),
    target_fixture="db",
)
def _(open_database: Opener, backend: str, size: int, wait: int) -> Database:
    """A store on the team database whose pool is this small and waits this long."""
    pool = PoolSettings(pool_size=size, max_overflow=0, pool_timeout=wait / 1000)
    return open_database(backend, pool=pool)


@given(parsers.parse("{count:d} callers each hold a connection"))
def _(db: Database, held: contextlib.ExitStack, count: int) -> None:
    workloads.hold_connections(db, count, held)


@when("a third caller asks for a connection", target_fixture="asked")
def _(db: Database) -> workloads.Timed:
    return workloads.ask_for_connection(db)


@then(parsers.parse("the third caller is told the pool is exhausted after {wait:d} milliseconds"))
def _(asked: workloads.Timed, wait: int) -> None:
    """Refused after waiting the configured time: not sooner, and not much later (a hang, or
    some other timeout, would be much later)."""
    asked.outcome.refused(errors.PoolExhausted)
    waited = asked.seconds * 1000
    expect_between(waited, wait, wait + workloads.PATIENCE_MS, "milliseconds before the refusal")


@when(parsers.parse("{count:d} operations run one after another"), target_fixture="served_by")
def _(db: Database, count: int) -> set[int]:
    return workloads.backend_ids_of_operations(db, count)


@then("one server connection served them all")
def _(served_by: set[int]) -> None:
    expect(len(served_by), 1, "the number of server connections to be")


@when(
    parsers.parse("{count:d} operations run on {threads:d} threads, every fifth one refused"),
    target_fixture="run",
)
def _(db: Database, count: int, threads: int) -> workloads.Run:
    return workloads.run_operations(db, count, threads, refuse_every=5)


@given(
    parsers.parse("{count:d} operations have run on {threads:d} threads, every fifth one refused"),
    target_fixture="run",
)
def _(db: Database, count: int, threads: int) -> workloads.Run:
    return workloads.run_operations(db, count, threads, refuse_every=5)


@then(parsers.parse("{refused:d} of the {count:d} operations were refused"))
def _(run: workloads.Run, refused: int, count: int) -> None:
    found = {"refused": run.refused, "operations": run.count}
    expect(found, {"refused": refused, "operations": count}, "")


@then("every connection is back in the pool")
def _(db: Database) -> None:
    expect(inspect_db.checked_out(db), 0, "connections still checked out:")


@when("the store is closed")
def _(db: Database) -> None:
    db.dispose()


@then("the server holds no connection for it")
def _(db: Database) -> None:
    expect(inspect_db.server_connections(db), 0, "server connections held for the store:")


@when("the server terminates every connection to the store")
def _(db: Database) -> None:
    assert inspect_db.terminate_connections(db) >= 1


# SQLite readers and writers -------------------------------------------------------------------


@given(
    parsers.parse("an agent store whose writers wait up to {wait:d} milliseconds for each other"),
    target_fixture="db",
)
def _(open_database: Opener, backend: str, wait: int) -> Database:
    """A Personal Edition store whose writers wait this long for each other."""
    assert backend == "sqlite", "waiting writers are a rule of the Personal Edition's file"
    return open_database(backend, sqlite=SqliteSettings(busy_timeout_ms=wait))


@given(parsers.re(r"a reader that has counted (?P<count>\d+) agents?"), target_fixture="reader")
def _(db: Database, held: contextlib.ExitStack, count: str) -> workloads.Reader:
    reader = workloads.Reader(db)
    held.callback(reader.close)
    assert reader.count_agents() == int(count)
    return reader


@when(parsers.parse('a writer adds the agent "{name:Text}" and commits', TYPES))
def _(db: Database, name: str) -> None:
    workloads.add_agent(db, name)


@then(parsers.re(r"the reader still counts (?P<count>\d+) agents?"))
def _(reader: workloads.Reader, count: str) -> None:
    expect(reader.count_agents(), int(count), "the reader to count agents:")


@then(parsers.re(r"a new reader counts (?P<count>\d+) agents?"))
def _(db: Database, count: str) -> None:
    with db.session() as session:
        expect(records.count_agents(session), int(count), "a new reader to count agents:")


@given(
    parsers.parse(
        'a writer adding the agent "{name:Text}" holds the file for {hold:d} milliseconds', TYPES
    ),
    target_fixture="first_writer",
)
def _(db: Database, held: contextlib.ExitStack, name: str, hold: int) -> workloads.HoldingWriter:
    writer = workloads.HoldingWriter(db, name, hold / 1000)
    held.callback(writer.join)
    writer.start()
    return writer


@when(parsers.parse('a second writer adds the agent "{name:Text}"', TYPES), target_fixture="second")
def _(db: Database, first_writer: workloads.HoldingWriter, name: str) -> workloads.ContendedWrite:
    return workloads.write_while_held(db, first_writer, name)


@then(parsers.parse('"{name:Text}" was stored after waiting for the first writer', TYPES))
def _(second: workloads.ContendedWrite, name: str) -> None:
    expect(second.outcome.error, None, f"{shown(name)} stored with the error")
    waited = second.started_while_held and second.finished_after_hold
    expect_that(waited, f"{shown(name)} begun while the file was held and stored after", "not")
    expect_that(second.waited_seconds > 0, "a wait", f"{shown(second.waited_seconds)} seconds")


@then(parsers.parse("the agents {names:Names} are both stored", TYPES))
def _(db: Database, first_writer: workloads.HoldingWriter, names: list[str]) -> None:
    expect(first_writer.error, None, "the first writer to end with the error")
    with db.session() as session:
        stored = {agent.name for agent in records.list_agents(session)}
    expect(sorted(stored), sorted(names), "the agents stored to be")
