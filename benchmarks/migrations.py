"""How long the migration history takes: base -> head, and the full up/down/up stairway.

Medians of several runs on PostgreSQL and on a SQLite file, each on a fresh empty database
of its own. The stairway row's reference is base -> head on the same backend: how many
times one plain upgrade the stairway costs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from agentstore import Database
from agentstore.migrations import runner
from benchmarks.common import (
    Row,
    Settings,
    median_seconds,
    postgres_database,
    row,
    seconds,
    sqlite_database,
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


def timed_on_fresh(
    place: Callable[[], AbstractContextManager[str]], work: Callable[[Database], None]
) -> float:
    """Seconds of ``work`` on a fresh empty database (connected first: the login not timed)."""
    with place() as url, Database(url) as database:
        database.current_revision()
        return seconds(lambda: work(database))


def run(settings: Settings) -> list[Row]:
    runs = 1 if settings.quick else 5
    revisions = len(runner.history())
    places: dict[str, Callable[[], AbstractContextManager[str]]] = {
        "postgres": lambda: postgres_database(settings.postgres, migrated=False),
        "sqlite": lambda: sqlite_database(migrated=False),
    }
    rows = []
    for backend, place in places.items():
        up = median_seconds(lambda p=place: timed_on_fresh(p, base_to_head), runs)
        stairs = median_seconds(lambda p=place: timed_on_fresh(p, stairway), runs)
        rows.append(row("migrations", "base -> head", backend, revisions, up * 1000, "ms"))
        rows.append(
            row(
                "migrations",
                "up/down/up stairway",
                backend,
                revisions,
                stairs * 1000,
                "ms",
                up * 1000,
                "base -> head",
            )
        )
    return rows
