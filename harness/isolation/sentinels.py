"""Sentinels: every run proves it touched nothing it did not create and left nothing behind.

Before the first test, the controller plants data on the servers the run uses: a database
named like the suite's with a row in it, a table with a row in the server's default
database, and two keys (one under the suite's key prefix) in every Redis logical database.
After the last test it checks that every sentinel is intact, that the default database holds
no new table, and that no database, role or Redis key carries this run's id; then it removes
the sentinels. A trampled sentinel or a leftover fails the run, named in red at the end.

This is part of every run (with ``-n`` too: only the controller plants and checks), so CI's
run of the specification is also its proof of isolation (``tests/test_sentinels.py`` checks
that a trampled sentinel fails a run).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from psycopg import sql

from harness.servers.drivers import libpq, with_database
from harness.servers.plugin import RUN_ID, SERVICES

DEFAULT_DATABASE = "postgres"
NOTE = "still here"
PLANTED = pytest.StashKey["Sentinels"]()
FOUND = pytest.StashKey[list[str]]()
SENTINEL_PREFIX = "agentstore_test_sentinel_"


@dataclass
class Sentinels:
    """What was planted, and where (a server left out is ``None``)."""

    run_id: str
    tag: str
    postgres_url: str | None = None
    redis_url: str | None = None
    default_tables: set[str] = field(default_factory=set)
    redis_databases: int = 0

    @property
    def database(self) -> str:
        return f"{SENTINEL_PREFIX}{self.tag}"

    @property
    def table(self) -> str:
        return f"{SENTINEL_PREFIX}{self.tag}"

    @property
    def keys(self) -> dict[str, str]:
        return {
            f"agentstore_test:sentinel:{self.tag}": "keep me",
            f"sentinel:{self.tag}:plain": "me too",
        }


def _connect(url: str, database: str, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(libpq(with_database(url, database)), autocommit=autocommit)


def _tables(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT schemaname || '.' || tablename FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    )
    return {name for (name,) in rows}


def _redis_in(url: str, db: int) -> redis.Redis:
    """A client of logical database ``db`` (the URL's path names the database)."""
    return redis.Redis.from_url(
        urlsplit(url)._replace(path=f"/{db}").geturl(), decode_responses=True
    )


def plant(planted: Sentinels) -> None:
    """Put the sentinels on the servers ``planted`` names."""
    if planted.postgres_url is not None:
        with _connect(planted.postgres_url, DEFAULT_DATABASE) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(planted.database)))
            admin.execute(
                sql.SQL("CREATE TABLE {} (note text)").format(sql.Identifier(planted.table))
            )
            admin.execute(
                sql.SQL("INSERT INTO {} VALUES (%s)").format(sql.Identifier(planted.table)), [NOTE]
            )
            planted.default_tables = _tables(admin)
        with _connect(planted.postgres_url, planted.database) as conn:
            conn.execute("CREATE TABLE sentinel (note text)")
            conn.execute("INSERT INTO sentinel VALUES (%s)", [NOTE])
    if planted.redis_url is not None:
        with redis.Redis.from_url(planted.redis_url, decode_responses=True) as client:
            planted.redis_databases = int(client.config_get("databases")["databases"])
        for db in range(planted.redis_databases):
            with _redis_in(planted.redis_url, db) as client:
                client.mset(planted.keys)


def problems(planted: Sentinels) -> Iterator[str]:
    """Each way the run trampled a sentinel or left something of its own behind."""
    run_id = planted.run_id
    if planted.postgres_url is not None:
        try:
            with _connect(planted.postgres_url, planted.database) as conn:
                notes = conn.execute("SELECT note FROM sentinel").fetchall()
        except psycopg.Error as error:
            notes = [("gone: " + str(error).splitlines()[0],)]
        if notes != [(NOTE,)]:
            yield f"the sentinel row in database {planted.database} changed: {notes!r}"
        with _connect(planted.postgres_url, DEFAULT_DATABASE) as conn:
            table = conn.execute("SELECT to_regclass(%s)", [f'"{planted.table}"']).fetchone()
            if table is None or table[0] is None:
                yield f"the sentinel table {planted.table} in the default database is gone"
            else:
                query = sql.SQL("SELECT note FROM {}").format(sql.Identifier(planted.table))
                notes = conn.execute(query).fetchall()
                if notes != [(NOTE,)]:
                    yield f"the sentinel table in the default database changed: {notes!r}"
            # Another run on the same server plants sentinels of its own: those are not ours.
            new = {
                name
                for name in _tables(conn) - planted.default_tables
                if not name.split(".")[-1].startswith(SENTINEL_PREFIX)
                or name.split(".")[-1].startswith(planted.table)
            }
            if new:
                yield f"new tables in the default database: {', '.join(sorted(new))}"
            databases = [
                n for (n,) in conn.execute("SELECT datname FROM pg_database") if run_id in n
            ]
            roles = [n for (n,) in conn.execute("SELECT rolname FROM pg_roles") if run_id in n]
        if databases:
            yield f"databases of this run left behind: {', '.join(sorted(databases))}"
        if roles:
            yield f"roles of this run left behind: {', '.join(sorted(roles))}"
    if planted.redis_url is not None:
        names = list(planted.keys)
        for db in range(planted.redis_databases):
            with _redis_in(planted.redis_url, db) as client:
                if client.mget(names) != list(planted.keys.values()):
                    yield f"a sentinel key in Redis database {db} changed or is gone"
                elif [client.ttl(name) for name in names] != [-1, -1]:
                    yield f"a sentinel key in Redis database {db} was given a time to live"
                left = list(client.scan_iter(match=f"*{run_id}*", count=1000))
                if left:
                    yield f"{len(left)} Redis keys of this run left in database {db}: {left[0]}"


def remove(planted: Sentinels) -> None:
    """Take the sentinels away again (whatever of them is there)."""
    if planted.redis_url is not None:
        for db in range(planted.redis_databases):
            with _redis_in(planted.redis_url, db) as client:
                client.delete(*planted.keys)
    if planted.postgres_url is not None:
        with _connect(planted.postgres_url, DEFAULT_DATABASE) as admin:
            admin.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(planted.table)))
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(planted.database)
                )
            )


def _url(config: pytest.Config, backend: str) -> str | None:
    service = config.stash.get(SERVICES, {}).get(backend)
    return service.url if service is not None and service.available else None


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not config.stash.get(SERVICES, {}):
        return
    planted = Sentinels(
        run_id=config.stash[RUN_ID],
        tag=uuid.uuid4().hex[:8],
        postgres_url=_url(config, "postgres"),
        redis_url=_url(config, "redis"),
    )
    if planted.postgres_url is None and planted.redis_url is None:
        return
    config.stash[PLANTED] = planted
    try:
        plant(planted)
    except BaseException:  # a half-planted run (Ctrl-C, a refused command) leaves nothing
        remove(planted)
        del config.stash[PLANTED]
        raise


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    planted = config.stash.get(PLANTED, None)
    if planted is None:
        return
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        # Teardowns cut short leave the run's own places: that is the interruption, not a leak.
        remove(planted)
        return
    try:
        found = list(problems(planted))
    finally:
        remove(planted)
    if found:
        config.stash[FOUND] = found
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    found = config.stash.get(FOUND, None)
    if found:
        terminalreporter.write_sep(
            "!", "ISOLATION BROKEN: the run touched data it did not create", red=True
        )
        for line in found:
            terminalreporter.write_line(f"  {line}", red=True)
    elif config.stash.get(PLANTED, None) is not None:
        terminalreporter.write_line(
            "agentstore sentinels: untouched, and the run left nothing behind"
        )
