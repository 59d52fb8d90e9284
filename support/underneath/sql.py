"""Looks underneath agentstore's API at a SQL database, for rules about storage itself.

The one support module that reads tables, raw rows, the revision bookmark and the server's
connection list directly; steps call it where the public API cannot say what a rule needs
(rows written at an old revision, tables left after a downgrade, connections on the server).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
import tenacity
from sqlalchemy import Column, Connection, Engine, MetaData, Table, create_engine, inspect, text
from sqlalchemy.orm import Session

from agentstore import Database
from agentstore.migrations import runner
from agentstore.urls import libpq_url, sqlalchemy_url

BOOKKEEPING = {"alembic_version"}


@contextlib.contextmanager
def _engine(database: Database) -> Iterator[Engine]:
    """A separate engine, so looking never disturbs the store's own pool, that keeps one
    connection for reuse until the block ends: unpooled, reflecting a schema opened a
    connection for every table it asked about (a whole-state fingerprint opened 13)."""
    engine = create_engine(sqlalchemy_url(database.url), pool_size=1)
    try:
        yield engine
    finally:
        engine.dispose()


class Look:
    """One connection and one schema inspector for a series of looks at a database: each
    catalog query runs once (the inspector keeps its answers) and is compiled once (one
    engine). Five engines per whole-state snapshot compiled and ran them again each time."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.inspector = inspect(connection)

    def tables(self) -> set[str]:
        """The agentstore tables the database holds (Alembic's revision bookmark left out)."""
        return set(self.inspector.get_table_names()) - BOOKKEEPING

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every agent and execution row as stored, in id order."""
        found = self.columns("agents", "executions")
        return {
            name: [
                dict(row._mapping)
                for row in self.connection.execute(table.select().order_by(text("id")))
            ]
            for name, table in found.items()
        }

    def columns(self, *names: str) -> dict[str, Table]:
        """Tables ``names`` with their columns and types as reflected (values come back as a
        table reflected whole gives them), without indexes and constraints: reflecting those
        too made reading rows the costliest look of all."""
        meta = MetaData()
        return {
            name: Table(
                name,
                meta,
                *(Column(c["name"], c["type"]) for c in self.inspector.get_columns(name)),
            )
            for name in names
        }

    def portable_schema(self) -> dict[str, dict[str, tuple[str, bool]]]:
        """Every table's columns as {column: (portable type, nullable)}."""
        return {
            table: {
                column["name"]: (portable_type(column["type"]), bool(column["nullable"]))
                for column in self.inspector.get_columns(table)
            }
            for table in sorted(self.tables())
        }

    def revision(self) -> str | None:
        """The schema revision the database is at (``None``: never migrated)."""
        return runner.revision_on(self.connection)

    def structure(self) -> dict[str, Any]:
        """Every table's indexes, unique and foreign-key constraints and primary key."""
        found = self.inspector  # on PostgreSQL each get_multi_* asks once for every table
        indexes, unique = found.get_multi_indexes(), found.get_multi_unique_constraints()
        foreign, primary = found.get_multi_foreign_keys(), found.get_multi_pk_constraint()
        return {
            table: {
                "indexes": sorted(i["name"] for i in indexes[None, table]),
                "unique": sorted(str(u["name"]) for u in unique[None, table]),
                "foreign": sorted(str(f["name"]) for f in foreign[None, table]),
                "primary": primary[None, table]["constrained_columns"],
            }
            for table in sorted(found.get_table_names())
        }


@contextlib.contextmanager
def looking(database: Database) -> Iterator[Look]:
    """A :class:`Look` at ``database``, on a connection of its own, for the ``with`` block."""
    with _engine(database) as engine, engine.connect() as connection:
        yield Look(connection)


def tables(database: Database) -> set[str]:
    """The agentstore tables the database holds (Alembic's revision bookmark left out)."""
    with looking(database) as look:
        return look.tables()


def portable_type(column_type: Any) -> str:
    """A column type in terms both databases share: generic kind, plus length for strings."""
    generic = column_type.as_generic()
    length = getattr(generic, "length", None)
    return f"{type(generic).__name__}({length})" if length else type(generic).__name__


def portable_schema(database: Database) -> dict[str, dict[str, tuple[str, bool]]]:
    """Every table's columns as {column: (portable type, nullable)}."""
    with looking(database) as look:
        return look.portable_schema()


def write_rows(
    database: Database, agents: list[dict[str, Any]], executions: list[list[dict[str, Any]]]
) -> None:
    """Write agents and their executions straight into whatever schema the database has now.

    Used to hold data at an old revision, where today's models do not fit. Fields the schema
    lacks are left out; a duration goes in as milliseconds where that is what the schema holds.
    """
    with looking(database) as look, look.connection.begin():
        connection = look.connection
        tables = look.columns("agents", "executions")
        agent_table, execution_table = tables["agents"], tables["executions"]
        for fields, runs in zip(agents, executions, strict=True):
            row = {k: v for k, v in fields.items() if k in agent_table.c}
            agent_id = connection.execute(
                agent_table.insert().returning(agent_table.c.id), row
            ).scalar_one()
            for run in runs:
                values = dict(run, agent_id=agent_id)
                if "duration_ms" in execution_table.c and run["duration_seconds"] is not None:
                    values["duration_ms"] = round(run["duration_seconds"] * 1000)
                row = {k: v for k, v in values.items() if k in execution_table.c}
                connection.execute(execution_table.insert(), row)


def rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every agent and execution row as stored, in id order."""
    with looking(database) as look:
        return look.rows()


def stamp_unknown_revision(database: Database, revision: str) -> None:
    """Make the database claim a revision, as if a newer agentstore had migrated it."""
    with _engine(database) as engine, engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


# PostgreSQL server connections --------------------------------------------------------------


def backend_id(session: Session) -> int:
    """The server process serving this session's connection."""
    return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _admin(database: Database) -> psycopg.Connection:
    return psycopg.connect(libpq_url(database.url), autocommit=True, connect_timeout=5)


def server_connections(database: Database, settle_seconds: float = 2.0) -> int:
    """How many client connections the server holds open to the store's database (ours left
    out; the server's own workers, such as autovacuum, are not connections of the store).

    A server process leaves the activity list a moment after its client hangs up, so a
    non-zero count is looked at again every few milliseconds, for up to ``settle_seconds``.
    """
    settled = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda count: count > 0),
        stop=tenacity.stop_after_delay(settle_seconds),
        wait=tenacity.wait_fixed(0.01),
        retry_error_callback=lambda state: state.outcome.result(),
    )
    with _admin(database) as admin:
        return settled(
            lambda: admin.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            ).fetchone()[0]
        )


def terminate_connections(database: Database) -> int:
    """Have the server kill every client connection to the store's database; how many."""
    with _admin(database) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchone()[0]


def checked_out(database: Database) -> int:
    """Connections the store's pool has handed out and not yet had back."""
    return database.engine.pool.checkedout()
