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
from support import inspect_db, workloads
from support.databases import Opener
from support.outcomes import Outcome, attempt


@pytest.fixture
def held() -> Iterator[contextlib.ExitStack]:
    """Connections and readers a scenario keeps open; released when it ends."""
    with contextlib.ExitStack() as stack:
        yield stack


# The PostgreSQL pool --------------------------------------------------------------------------


@given(
    parsers.parse(
        "a Postgres agent store whose pool holds {size:d} connections and waits "
        "{wait:d} milliseconds"
    ),
    target_fixture="db",
)
def _(open_database: Opener, size: int, wait: int) -> Database:
    pool = PoolSettings(pool_size=size, max_overflow=0, pool_timeout=wait / 1000)
    return open_database("postgres", pool=pool)


@given(parsers.parse("{count:d} callers each hold a connection"))
def _(db: Database, held: contextlib.ExitStack, count: int) -> None:
    workloads.hold_connections(db, count, held)


@when("a third caller asks for a connection", target_fixture="outcome")
def _(db: Database) -> Outcome:
    return attempt(lambda: workloads.ask_for_connection(db))


@then(parsers.parse("the third caller is told the pool is exhausted after {wait:d} milliseconds"))
def _(outcome: Outcome, wait: int) -> None:
    assert f"{wait} ms" in str(outcome.refused(errors.PoolExhausted))


@when(parsers.parse("{count:d} operations run one after another"), target_fixture="served_by")
def _(db: Database, count: int) -> set[int]:
    return workloads.backend_ids_of_operations(db, count)


@then("one server connection served them all")
def _(served_by: set[int]) -> None:
    assert len(served_by) == 1, f"served by {len(served_by)} connections"


@when(
    parsers.parse("{count:d} operations run on {threads:d} threads, every fifth one refused"),
    target_fixture="refused",
)
def _(db: Database, count: int, threads: int) -> int:
    return workloads.run_operations(db, count, threads, refuse_every=5)


@then("every connection is back in the pool")
def _(db: Database, refused: int) -> None:
    assert refused == 4
    assert inspect_db.checked_out(db) == 0


@then("once the store is closed the server holds no connection for it")
def _(db: Database) -> None:
    db.dispose()
    assert inspect_db.server_connections(db) == 0


@when("the server terminates every connection to the store")
def _(db: Database) -> None:
    assert inspect_db.terminate_connections(db) >= 1


# SQLite readers and writers -------------------------------------------------------------------


@given(
    parsers.parse(
        "a SQLite agent store whose writers wait up to {wait:d} milliseconds for each other"
    ),
    target_fixture="db",
)
def _(open_database: Opener, wait: int) -> Database:
    return open_database("sqlite", sqlite=SqliteSettings(busy_timeout_ms=wait))


@given(parsers.re(r"a reader that has counted (?P<count>\d+) agents?"), target_fixture="reader")
def _(db: Database, held: contextlib.ExitStack, count: str) -> workloads.Reader:
    reader = workloads.Reader(db)
    held.callback(reader.close)
    assert reader.count_agents() == int(count)
    return reader


@when(parsers.parse('a writer adds the agent "{name:Text}" and commits', TYPES))
def _(db: Database, name: str) -> None:
    with db.session() as session:
        records.create_agent(session, name, "writer")


@then(parsers.re(r"the reader still counts (?P<count>\d+) agents?"))
def _(reader: workloads.Reader, count: str) -> None:
    assert reader.count_agents() == int(count)


@then(parsers.re(r"a new reader counts (?P<count>\d+) agents?"))
def _(db: Database, count: str) -> None:
    with db.session() as session:
        assert records.count_agents(session) == int(count)


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


@when(
    parsers.parse('a second writer adds the agent "{name:Text}"', TYPES), target_fixture="outcome"
)
def _(db: Database, first_writer: workloads.HoldingWriter, name: str) -> Outcome:
    def write() -> None:
        with db.session() as session:
            records.create_agent(session, name, "writer")

    outcome = attempt(write)
    first_writer.join()
    return outcome


@then(parsers.parse('the agents "{names:Text}" are both stored', TYPES))
def _(db: Database, outcome: Outcome, first_writer: workloads.HoldingWriter, names: str) -> None:
    assert outcome.error is None, outcome.error
    assert first_writer.error is None, first_writer.error
    with db.session() as session:
        stored = {agent.name for agent in records.list_agents(session)}
    assert stored == {name.strip() for name in names.split(",")}
