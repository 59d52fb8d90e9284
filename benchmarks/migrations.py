"""How long the migration history takes: base -> head, and the full up/down/up stairway.

    python benchmarks/migrations.py [--runs 5] [--postgres URL]

Prints the median of several runs on PostgreSQL and on a SQLite file. PostgreSQL runs in a
database of its own (``agentstore_bench_<random>``), created and dropped here; nothing else
on the server is touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from agentstore import Database
from agentstore.migrations import runner
from agentstore.urls import libpq_url

DEFAULT_POSTGRES = os.environ.get(
    "AGENTSTORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def base_to_head(database: Database) -> None:
    database.upgrade("head")


def stairway(database: Database) -> None:
    """Each revision in turn: up, down, and up again."""
    previous = "base"
    for revision in runner.history():
        database.upgrade(revision.id)
        database.downgrade(previous)
        database.upgrade(revision.id)
        previous = revision.id


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    name = f"agentstore_bench_{uuid.uuid4().hex[:8]}"
    head, _, _ = server_url.rpartition("/")
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{head}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        path.touch()  # an empty database, as a new Personal Edition user has
        yield f"sqlite:///{path}"


def measure(place: Callable[[], object], work: Callable[[Database], None], runs: int) -> float:
    """Median seconds of ``work`` on a fresh empty database, over ``runs`` runs."""
    times = []
    for _ in range(runs):
        with place() as url, Database(url) as database:
            database.current_revision()  # connect first: time the migrations, not the login
            start = time.perf_counter()
            work(database)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a PostgreSQL server URL")
    args = parser.parse_args()
    revisions = len(runner.history())
    print(f"{revisions} revisions, median of {args.runs} runs")
    places = {
        "PostgreSQL": lambda: postgres_database(args.postgres),
        "SQLite": sqlite_database,
    }
    for label, place in places.items():
        up = measure(place, base_to_head, args.runs)
        stairs = measure(place, stairway, args.runs)
        print(
            f"{label:<11} base -> head {up * 1000:8.1f} ms   up/down/up stairway "
            f"{stairs * 1000:8.1f} ms"
        )


if __name__ == "__main__":
    main()
