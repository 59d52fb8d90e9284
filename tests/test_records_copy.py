"""``records.record_executions`` on PostgreSQL, where it writes with COPY: the very rows the
ORM's insert writes, and a missing agent refused with nothing written.

Runs on the shared PostgreSQL (127.0.0.1:5432 or AGENTSTORE_TEST_POSTGRES_URL), in a database
of its own, dropped at the end; skipped when no PostgreSQL answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import insert, text

from agentstore import Database, errors
from agentstore.db import records
from agentstore.db.models import Execution
from agentstore.urls import libpq_url

SERVER = os.environ.get(
    "AGENTSTORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
RUNS = [
    {
        "task": "summarise the\tquarterly \\ report\n",
        "status": "succeeded",
        "started_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "finished_at": datetime(2026, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))),
        "duration_seconds": 12.5,
        "output": {"summary": "déjà vu", "pages": [1, 2]},
        "error": None,
    },
    {  # no output (JSON null, as the ORM writes it), a naive time (the session's zone)
        "task": "plan",
        "status": "failed",
        "started_at": datetime(2026, 3, 2, 8, 0),
        "finished_at": None,
        "duration_seconds": None,
        "output": None,
        "error": "timed out",
    },
]


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    # A session time zone other than UTC, so that a naive time's meaning shows.
    monkeypatch.setenv("PGTZ", "America/New_York")
    name = f"agentstore_test_copy_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(libpq_url(SERVER), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {SERVER}: {error}")
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database = Database(SERVER.rsplit("/", 1)[0] + "/" + name)
    try:
        database.upgrade("head")
        yield database
    finally:
        database.dispose()
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def stored(database: Database, agent: str) -> list[tuple[object, ...]]:
    """The agent's executions as the server prints them (JSON ``null`` is not SQL NULL)."""
    query = text(
        "SELECT e.task, e.status, e.started_at::text, e.finished_at::text, e.duration_seconds,"
        " e.output::text, e.error FROM executions e JOIN agents a ON a.id = e.agent_id"
        " WHERE a.name = :name ORDER BY e.id"
    )
    with database.session() as session:
        return [tuple(row) for row in session.execute(query, {"name": agent})]


def test_copy_writes_the_rows_the_orm_insert_writes(db: Database) -> None:
    with db.session() as session:
        copied = records.create_agent(session, "copied", "planner")
        inserted = records.create_agent(session, "inserted", "planner")
        assert records.record_executions(session, copied.id, iter(RUNS)) == 2
        session.connection().execute(
            insert(Execution), [dict(r, agent_id=inserted.id) for r in RUNS]
        )
    assert stored(db, "copied") == stored(db, "inserted")
    assert stored(db, "copied")[1][2] == "2026-03-02 08:00:00-05"
    with db.session() as session:  # a column left out takes its default, as with the ORM
        agent = records.get_agent(session, "copied")
        records.record_executions(session, agent.id, [{"task": "review"}])
    assert stored(db, "copied")[-1][:2] == ("review", "pending")


def test_a_missing_agent_is_refused_and_nothing_is_written(db: Database) -> None:
    with pytest.raises(errors.MissingRecord, match="no agent with id 999"), db.session() as s:
        records.record_executions(s, 999, RUNS)
    with db.session() as session:
        assert records.count_executions(session) == 0
