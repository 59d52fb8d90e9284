"""Writing executions in bulk on PostgreSQL: the ORM, SQLAlchemy Core and agentstore's own
``records.record_executions`` (COPY) next to psycopg's executemany and COPY, and seeding.

Every contender writes the same demo executions (``agentstore.db.demo``) into an emptied
table of one database of its own; rows per second, best of the rounds. ``seed`` runs
``demo.seed`` (10 agents, ``size`` executions in all, as ``agentstore seed`` does) into a
fresh database; at 100,000 executions it must take at most 5 s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import insert

from agentstore import Database
from agentstore.db import demo, records
from agentstore.db.models import Execution
from agentstore.urls import libpq_url
from benchmarks.common import (
    SEED_SECONDS,
    Row,
    Settings,
    postgres_database,
    row,
    seconds,
)

COLUMNS = (
    "agent_id",
    "task",
    "status",
    "started_at",
    "finished_at",
    "duration_seconds",
    "output",
    "error",
)
INSERT = f"INSERT INTO executions ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * 8)})"
COPY = f"COPY executions ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
COPY_TYPES = ["int4", "text", "text", "timestamptz", "timestamptz", "float8", "text", "text"]
SEED_AGENTS = 10


def contenders(
    database: Database, raw: psycopg.Connection[Any], agent: int, runs: list[dict[str, Any]]
) -> dict[str, Callable[[], None]]:
    """Each way of writing ``runs`` as agent ``agent``'s executions, in one transaction; the
    raw driver on a connection of its own (``raw``), as the others reuse their pool's."""
    tuples = [
        (
            agent,
            r["task"],
            r["status"],
            r["started_at"],
            r["finished_at"],
            r["duration_seconds"],
            json.dumps(r["output"]),
            r["error"],
        )
        for r in runs
    ]

    def orm() -> None:
        with database.session() as session:
            session.add_all(Execution(agent_id=agent, **r) for r in runs)

    def core() -> None:
        with database.engine.begin() as connection:
            connection.execute(insert(Execution), [dict(r, agent_id=agent) for r in runs])

    def agentstore_copy() -> None:
        with database.session() as session:
            records.record_executions(session, agent, runs)

    def executemany() -> None:
        with raw.transaction(), raw.cursor() as cursor:
            cursor.executemany(INSERT, tuples)

    def copy() -> None:
        with raw.transaction(), raw.cursor() as cursor, cursor.copy(COPY) as writer:
            writer.set_types(COPY_TYPES)
            for values in tuples:
                writer.write_row(values)

    return {
        "ORM": orm,
        "Core": core,
        "record_executions": agentstore_copy,
        "psycopg executemany": executemany,
        "psycopg COPY": copy,
    }


REFERENCE = {
    "ORM": "psycopg executemany",
    "Core": "psycopg executemany",
    "record_executions": "psycopg COPY",
}


def emptied(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE executions")


def measure(database: Database, agent: int, size: int, rounds: int) -> dict[str, float]:
    runs = demo.execution_batch(demo.faker(size), size)
    best: dict[str, float] = {}
    with psycopg.connect(libpq_url(database.url), autocommit=True) as raw:
        for _ in range(rounds):
            for name, write in contenders(database, raw, agent, runs).items():
                emptied(database)
                best[name] = max(best.get(name, 0.0), size / seconds(write))
    return best


def seed_seconds(server: str, size: int) -> float:
    with postgres_database(server) as url, Database(url) as database:
        return seconds(lambda: demo.seed(database, SEED_AGENTS, executions=size, seed=1))


def run(settings: Settings) -> list[Row]:
    rows = []
    with postgres_database(settings.postgres) as url, Database(url) as database:
        with database.session() as session:
            agent = records.create_agent(session, "bench", "planner").id
        for size in settings.sizes:
            best = measure(database, agent, size, settings.rounds_for(size))
            for ours, reference in REFERENCE.items():
                rows.append(
                    row(
                        "inserts",
                        ours,
                        "postgres",
                        size,
                        best[ours],
                        "rows/s",
                        best[reference],
                        reference,
                    )
                )
            took = seed_seconds(settings.postgres, size)
            rows.append(
                row(
                    "inserts",
                    "seed",
                    "postgres",
                    size,
                    size / took,
                    "rows/s",
                    best["psycopg COPY"],
                    "psycopg COPY",
                )
            )
            if size == 100_000:
                rows.append(
                    row(
                        "inserts",
                        "seed 100,000 executions",
                        "postgres",
                        size,
                        took,
                        "s",
                        target=SEED_SECONDS,
                    )
                )
    return rows
