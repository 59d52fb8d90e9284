"""The suite never touches data it did not create, and leaves nothing of its own behind.

Sentinels are planted on the servers first: a database that looks like ours, a table in the
server's default database, and keys in every Redis logical database. Then the whole
specification runs on those servers in parallel, every backend required (migrations to base,
terminated connections, cleanup, coordination, backup: whatever features/ holds); this is also
CI's run of the specification with ``-n 2``, and it fails if any scenario fails. Afterwards
every sentinel is intact, the default database holds no new table, and no database, role or key
carries the run's id.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from psycopg import sql

from agentstore.urls import libpq_url, with_database
from harness.isolation.places import require

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres"
NOTE = "still here"


@dataclass
class Sentinels:
    """What was planted, and where."""

    postgres_url: str
    redis_url: str
    database: str  # a database of its own, named like the suite's
    table: str  # a table in the server's default database
    keys: dict[str, str]  # planted in every Redis logical database
    redis_databases: int
    default_tables: set[str]  # the default database's tables before the run


def connect(url: str, database: str, **options) -> psycopg.Connection:
    return psycopg.connect(libpq_url(with_database(url, database)), **options)


def tables_of(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT schemaname || '.' || tablename FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    )
    return {name for (name,) in rows}


def redis_databases(url: str) -> int:
    """How many logical databases the Redis server has (``CONFIG GET databases``)."""
    with redis.Redis.from_url(url, decode_responses=True) as client:
        return int(client.config_get("databases")["databases"])


def redis_in(url: str, db: int) -> redis.Redis:
    """A client of logical database ``db`` (the URL's path names the database, and wins)."""
    return redis.Redis.from_url(
        urlsplit(url)._replace(path=f"/{db}").geturl(), decode_responses=True
    )


@pytest.fixture
def sentinels(pytestconfig):
    """Plant the sentinels; afterwards this fixture alone removes them."""
    pg_url = require(pytestconfig, "postgres").url
    redis_url = require(pytestconfig, "redis").url
    tag = uuid.uuid4().hex[:8]
    planted = Sentinels(
        postgres_url=pg_url,
        redis_url=redis_url,
        database=f"agentstore_test_sentinel_{tag}",
        table=f"agentstore_test_sentinel_{tag}",
        keys={f"agentstore_test:sentinel:{tag}": "keep me", f"sentinel:{tag}:plain": "me too"},
        redis_databases=redis_databases(redis_url),
        default_tables=set(),
    )
    with connect(pg_url, DEFAULT_DATABASE, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(planted.database)))
        admin.execute(sql.SQL("CREATE TABLE {} (note text)").format(sql.Identifier(planted.table)))
        admin.execute(
            sql.SQL("INSERT INTO {} VALUES (%s)").format(sql.Identifier(planted.table)), [NOTE]
        )
        planted.default_tables = tables_of(admin)
    with connect(pg_url, planted.database) as conn:
        conn.execute("CREATE TABLE sentinel (note text)")
        conn.execute("INSERT INTO sentinel VALUES (%s)", [NOTE])
    for db in range(planted.redis_databases):
        with redis_in(redis_url, db) as client:
            client.mset(planted.keys)
    yield planted
    for db in range(planted.redis_databases):
        with redis_in(redis_url, db) as client:
            client.delete(*planted.keys)
    with connect(pg_url, DEFAULT_DATABASE, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(planted.table)))
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(planted.database)
            )
        )


def run_specification(planted: Sentinels) -> tuple[subprocess.CompletedProcess, str]:
    """The whole specification, two workers, on the sentinels' servers; returns its run id."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "--require-backends=postgres,sqlite,redis,redis_cluster",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "AGENTSTORE_TEST_POSTGRES_URL": planted.postgres_url,
            "AGENTSTORE_TEST_REDIS_URL": planted.redis_url,
        },
        capture_output=True,
        text=True,
        timeout=1500,
    )
    found = re.search(r"^agentstore run id: (\w+)$", done.stdout, re.MULTILINE)
    assert found, "the header names the run id\n" + done.stdout[-3000:]
    return done, found.group(1)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_whole_specification_leaves_what_it_did_not_create_and_takes_what_it_did(sentinels):
    done, run_id = run_specification(sentinels)

    with connect(sentinels.postgres_url, sentinels.database) as conn:
        assert conn.execute("SELECT note FROM sentinel").fetchall() == [(NOTE,)]
    with connect(sentinels.postgres_url, DEFAULT_DATABASE) as conn:
        found = conn.execute("SELECT to_regclass(%s)", [f'"{sentinels.table}"']).fetchone()[0]
        assert found is not None, "the sentinel table in the default database is gone"
        rows = conn.execute(sql.SQL("SELECT note FROM {}").format(sql.Identifier(sentinels.table)))
        assert rows.fetchall() == [(NOTE,)]
        assert tables_of(conn) - sentinels.default_tables == set(), "new tables in the default db"
        databases = [n for (n,) in conn.execute("SELECT datname FROM pg_database")]
        roles = [n for (n,) in conn.execute("SELECT rolname FROM pg_roles")]
    assert [n for n in databases if run_id in n] == []
    assert [n for n in roles if run_id in n] == []

    for db in range(sentinels.redis_databases):
        with redis_in(sentinels.redis_url, db) as client:
            assert client.mget(list(sentinels.keys)) == list(sentinels.keys.values()), f"db {db}"
            assert [client.ttl(k) for k in sentinels.keys] == [-1, -1], f"db {db}"
            assert list(client.scan_iter(match=f"*{run_id}*", count=1000)) == [], f"db {db}"
    # Last, so that a failing scenario does not hide a trampled sentinel or a leftover.
    assert done.returncode == 0, done.stdout[-3000:]
