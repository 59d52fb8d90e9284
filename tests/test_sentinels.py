"""The suite never touches data it did not create.

Sentinels — a database and Redis keys that look like ours but are not — are planted on the
shared servers; the specification runs (serially and in parallel); the sentinels must be intact.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql

from agentstore.urls import libpq_url, with_database
from harness.isolation.places import require

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sentinels(pytestconfig):
    """A sentinel database with a row and Redis keys, removed by this test alone."""
    pg_url = require(pytestconfig, "postgres").url
    redis_url = require(pytestconfig, "redis").url
    tag = uuid.uuid4().hex[:8]
    database = f"agentstore_test_sentinel_{tag}"
    keys = {f"agentstore_test:sentinel:{tag}": "keep me", f"sentinel:{tag}:plain": "keep me too"}
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    with psycopg.connect(libpq_url(with_database(pg_url, database))) as conn:
        conn.execute("CREATE TABLE sentinel (note text)")
        conn.execute("INSERT INTO sentinel VALUES ('still here')")
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.mset(keys)
    yield pg_url, redis_url, database, keys
    client.delete(*keys)
    client.close()
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "parallel"])
def test_a_run_leaves_data_it_did_not_create_intact(sentinels, workers):
    pg_url, redis_url, database, keys = sentinels
    env = {
        **os.environ,
        "AGENTSTORE_TEST_POSTGRES_URL": pg_url,
        "AGENTSTORE_TEST_REDIS_URL": redis_url,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/platform",
            "-q",
            "-p",
            "no:cacheprovider",
            "--require-backends=postgres,sqlite,redis",
            *workers,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    with psycopg.connect(libpq_url(with_database(pg_url, database))) as conn:
        assert conn.execute("SELECT note FROM sentinel").fetchall() == [("still here",)]
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        assert client.mget(list(keys)) == list(keys.values())


def test_a_run_removes_every_database_and_key_it_created(pytestconfig):
    pg_url = require(pytestconfig, "postgres").url
    redis_url = require(pytestconfig, "redis").url
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/platform",
            "-p",
            "no:cacheprovider",
            "--require-backends=postgres,sqlite,redis",
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
    assert done.returncode == 0, done.stdout[-3000:]
    with psycopg.connect(libpq_url(pg_url)) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        keys = list(client.scan_iter(match="agentstore_test:*", count=1000))
    # Other runs (a parallel CI job, a colleague) may be live; this run's id is in its header.
    header = [line for line in done.stdout.splitlines() if "agentstore run id:" in line]
    assert header, "the header names the run id"
    run_id = header[0].split(":")[-1].strip()
    assert not [n for n in names if n.startswith(f"agentstore_test_{run_id}_")]
    assert not [k for k in keys if k.startswith(f"agentstore_test:{run_id}:")]
