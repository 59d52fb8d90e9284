"""How fast backups are, next to the bare tools on the same data in the same run.

1. PostgreSQL: ``agentstore backup`` + ``restore`` (checksums, manifest, one verified
   transaction) against bare ``pg_dump -Fc`` + ``pg_restore`` into an empty database, with
   the same client programs (target: at most 1.5x).
2. ``export`` and ``import`` rows per second on PostgreSQL and SQLite.
3. SQLite: ``backup`` (online backup API, checksums, zip) against ``sqlite3 .backup`` when
   the sqlite3 program exists.

``size`` is the number of executions, seeded as ``agentstore seed`` does (100 agents); with
--quick a tenth of the run's sizes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from agentstore import Database
from agentstore import backup as backups
from agentstore.backup import pg_tools
from agentstore.db import demo
from agentstore.urls import libpq_url
from benchmarks.common import (
    BACKUP_RESTORE,
    Row,
    Settings,
    median_seconds,
    postgres_database,
    row,
    seconds,
    sqlite_database,
    sqlite_path,
)

AGENTS = 100


def fill(url: str, executions: int) -> None:
    with Database(url) as database:
        demo.seed(database, AGENTS, executions=executions, seed=1)


def conninfo(url: str) -> str:
    return make_conninfo(**conninfo_to_dict(libpq_url(url)))


def bare_pg(tools: pg_tools.Tools, source: str, target: str, work: Path) -> None:
    """pg_dump -Fc and pg_restore, nothing else."""
    dump = work / "bare.dump"
    for command in (
        [tools.pg_dump, "-Fc", f"--file={dump}", f"--dbname={conninfo(source)}"],
        [tools.pg_restore, "--no-owner", "--no-acl", f"--dbname={conninfo(target)}", str(dump)],
    ):
        subprocess.run(command, check=True, capture_output=True)


def portable(
    backend: str,
    source: str,
    new_target: Callable[[], AbstractContextManager[str]],
    size: int,
    work: Path,
) -> list[Row]:
    """Export and import rows per second (agents and executions)."""
    rows = size + AGENTS
    exported = seconds(lambda: backups.export(source, work / "portable.zip"))
    with new_target() as target:
        imported = seconds(lambda: backups.import_archive(target, work / "portable.zip"))
    return [
        row("backup", "export", backend, size, rows / exported, "rows/s"),
        row("backup", "import", backend, size, rows / imported, "rows/s"),
    ]


def postgres(settings: Settings, size: int, runs: int, work: Path) -> list[Row]:
    server = settings.postgres
    with postgres_database(server) as source:
        fill(source, size)
        with psycopg.connect(libpq_url(source)) as connection:
            tools = pg_tools.tools_for(connection.info.server_version // 10000)

        def ours() -> float:
            with postgres_database(server, migrated=False) as target:
                return seconds(lambda: backups.backup(source, work / "pg.zip")) + seconds(
                    lambda: backups.restore(target, work / "pg.zip")
                )

        def bare() -> float:
            with postgres_database(server, migrated=False) as target:
                return seconds(lambda: bare_pg(tools, source, target, work))

        mine, theirs = median_seconds(ours, runs), median_seconds(bare, runs)
        return [
            row(
                "backup",
                "backup + restore",
                "postgres",
                size,
                mine,
                "s",
                theirs,
                "pg_dump + pg_restore",
                BACKUP_RESTORE,
            ),
            *portable(
                "postgres", source, lambda: postgres_database(server, migrated=False), size, work
            ),
        ]


def sqlite(size: int, runs: int, work: Path) -> list[Row]:
    with sqlite_database() as source:
        fill(source, size)
        mine = median_seconds(lambda: seconds(lambda: backups.backup(source, work / "s.zip")), runs)
        theirs = None
        cli = shutil.which("sqlite3")
        if cli:
            copy = work / "copy.db"

            def bare() -> float:
                copy.unlink(missing_ok=True)
                return seconds(
                    lambda: subprocess.run(
                        [cli, sqlite_path(source), f".backup {copy}"], check=True
                    )
                )

            theirs = median_seconds(bare, runs)
        with sqlite_database(migrated=False) as target:
            Path(sqlite_path(target)).unlink()
            restored = seconds(lambda: backups.restore(target, work / "s.zip"))
        return [
            row(
                "backup",
                "backup",
                "sqlite",
                size,
                mine,
                "s",
                theirs,
                "sqlite3 .backup" if cli else None,
            ),
            row("backup", "restore", "sqlite", size, restored, "s"),
            *portable("sqlite", source, lambda: sqlite_database(migrated=False), size, work),
        ]


def run(settings: Settings) -> list[Row]:
    runs = 1 if settings.quick else 3
    rows = []
    with tempfile.TemporaryDirectory(prefix="agentstore-bench-") as folder:
        for size in settings.scaled(10) if settings.quick else settings.sizes:
            rows += postgres(settings, size, runs, Path(folder))
            rows += sqlite(size, runs, Path(folder))
    return rows
