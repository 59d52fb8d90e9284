"""How fast backups are, next to the bare tools on the same data in the same run.

    python benchmarks/backup.py [--executions 100000] [--runs 3] [--postgres URL]
                                [--only postgres|sqlite]

1. PostgreSQL: ``agentstore backup`` + ``restore`` (checksums, manifest, one verified
   transaction) against bare ``pg_dump -Fc`` + ``pg_restore`` into an empty database, with
   the same client programs; prints the ratio (target: at most 1.5x).
2. ``export`` and ``import`` rows per second on PostgreSQL and SQLite.
3. SQLite: ``backup`` (online backup API, checksums, zip) against ``sqlite3 .backup`` when the
   sqlite3 program exists.

The data are bulk-inserted (one multi-row INSERT per batch through SQLAlchemy Core), not
made with ``agentstore seed``, whose ORM path takes minutes for 100,000 executions; the rows
look the same (``agentstore.db.demo`` draws them). Every database is created and dropped
here (``agentstore_bench_<random>``); nothing else on the server is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from agentstore import Database
from agentstore import backup as backups
from agentstore.backup import pg_tools
from agentstore.db import demo
from agentstore.db.models import Agent, Execution
from agentstore.urls import libpq_url

DEFAULT_POSTGRES = os.environ.get(
    "AGENTSTORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AGENTS = 100


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


def fill(url: str, executions: int) -> None:
    """Migrate and bulk-insert ``AGENTS`` agents and ``executions`` executions."""
    fake = demo.faker(1)
    with Database(url) as database:
        database.upgrade("head")
        with database.engine.begin() as connection:
            connection.execute(
                Agent.__table__.insert(),
                [dict(demo.agent_fields(fake, i), id=i) for i in range(1, AGENTS + 1)],
            )
            batch = []
            for n in range(executions):
                batch.append(dict(demo.execution_fields(fake), agent_id=n % AGENTS + 1))
                if len(batch) == 5000:
                    connection.execute(Execution.__table__.insert(), batch)
                    batch.clear()
            if batch:
                connection.execute(Execution.__table__.insert(), batch)
        if database.engine.dialect.name == "postgresql":
            with database.engine.begin() as connection:
                connection.exec_driver_sql(
                    "SELECT setval('agents_id_seq', (SELECT max(id) FROM agents))"
                )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bare_pg(tools: pg_tools.Tools, source: str, target: str, work: Path) -> None:
    """pg_dump -Fc and pg_restore, nothing else."""
    dump = work / "bare.dump"
    for command in (
        [tools.pg_dump, "-Fc", f"--file={dump}", f"--dbname={conninfo(source)}"],
        [tools.pg_restore, "--no-owner", "--no-acl", f"--dbname={conninfo(target)}", str(dump)],
    ):
        subprocess.run(command, check=True, capture_output=True)


def conninfo(url: str) -> str:
    return make_conninfo(**conninfo_to_dict(libpq_url(url)))


def median_of(runs: int, action: Callable[[], float]) -> float:
    return statistics.median(action() for _ in range(runs))


def postgres(server: str, executions: int, runs: int, work: Path) -> None:
    with postgres_database(server) as source:
        fill(source, executions)
        with psycopg.connect(libpq_url(source)) as connection:
            tools = pg_tools.tools_for(connection.info.server_version // 10000)

        def ours() -> float:
            with postgres_database(server) as target:
                return timed(lambda: backups.backup(source, work / "pg.zip")) + timed(
                    lambda: backups.restore(target, work / "pg.zip")
                )

        def bare() -> float:
            with postgres_database(server) as target:
                return timed(lambda: bare_pg(tools, source, target, work))

        mine, theirs = median_of(runs, ours), median_of(runs, bare)
        print(f"PostgreSQL, {executions:,} executions (median of {runs}):")
        print(f"  agentstore backup + restore  {mine:7.2f} s")
        print(f"  pg_dump -Fc + pg_restore     {theirs:7.2f} s")
        print(f"  ratio                        {mine / theirs:7.2f}x  (target <= 1.5x)")
        portable("PostgreSQL", source, lambda: postgres_database(server), executions, work)


@contextmanager
def sqlite_file(work: Path) -> Iterator[str]:
    path = work / f"{uuid.uuid4().hex[:8]}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def portable(name: str, source: str, new_target, executions: int, work: Path) -> None:
    rows = executions + AGENTS
    export_seconds = timed(lambda: backups.export(source, work / "portable.zip"))
    with new_target() as target:
        import_seconds = timed(lambda: backups.import_archive(target, work / "portable.zip"))
    print(f"  export {rows / export_seconds:10,.0f} rows/s   ({export_seconds:.2f} s) [{name}]")
    print(f"  import {rows / import_seconds:10,.0f} rows/s   ({import_seconds:.2f} s) [{name}]")


def sqlite(executions: int, runs: int, work: Path) -> None:
    with sqlite_file(work) as source:
        fill(source, executions)
        print(f"SQLite, {executions:,} executions (median of {runs}):")
        mine = median_of(runs, lambda: timed(lambda: backups.backup(source, work / "s.zip")))
        print(f"  agentstore backup            {mine:7.2f} s")
        cli = shutil.which("sqlite3")
        if cli:
            path = source.removeprefix("sqlite:///")
            copy = work / "copy.db"

            def bare() -> float:
                copy.unlink(missing_ok=True)
                return timed(lambda: subprocess.run([cli, path, f".backup {copy}"], check=True))

            theirs = median_of(runs, bare)
            print(f"  sqlite3 .backup              {theirs:7.2f} s")
            print(f"  ratio                        {mine / theirs:7.2f}x")
        with sqlite_file(work) as target:
            restore = timed(lambda: backups.restore(target, work / "s.zip"))
        print(f"  agentstore restore           {restore:7.2f} s")
        portable("SQLite", source, lambda: sqlite_file(work), executions, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentstore-bench-") as work:
        if args.only in (None, "postgres"):
            postgres(args.postgres, args.executions, args.runs, Path(work))
        if args.only in (None, "sqlite"):
            sqlite(args.executions, args.runs, Path(work))


if __name__ == "__main__":
    main()
