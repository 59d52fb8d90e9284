"""Every run plants sentinels and fails if it touched them or left something of its own behind.

The sentinel plugin (``harness/isolation/sentinels.py``) is part of every run of the
specification, so CI's run of ``features/`` is also the proof that the suite leaves alone what
it did not create. Here: each way of breaking that is caught (checked against the real
servers), and a real run whose scenarios trample a sentinel fails, naming it, while the same
run without the trampling passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from psycopg import sql

from harness.isolation import sentinels
from harness.isolation.places import require

ROOT = Path(__file__).resolve().parent.parent
TRAMPLER = Path(__file__).resolve().parent / "data" / "sentinel_trampler"


@pytest.fixture
def planted(pytestconfig: pytest.Config) -> Iterator[sentinels.Sentinels]:
    """Sentinels of this test's own on the shared servers, removed afterwards."""
    found = sentinels.Sentinels(
        run_id=uuid.uuid4().hex[:8],
        tag=uuid.uuid4().hex[:8],
        postgres_url=require(pytestconfig, "postgres").url,
        redis_url=require(pytestconfig, "redis").url,
    )
    sentinels.plant(found)
    yield found
    sentinels.remove(found)
    with sentinels._connect(found.postgres_url, sentinels.DEFAULT_DATABASE) as admin:
        for name in (f"agentstore_test_{found.run_id}_left", f"{found.table}_stray"):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    with sentinels._redis_in(found.redis_url, 2) as client:
        client.delete(f"agentstore_test:{found.run_id}:left")


def change_row(s: sentinels.Sentinels) -> None:
    with sentinels._connect(s.postgres_url, s.database) as conn:
        conn.execute("UPDATE sentinel SET note = 'trampled'")


def drop_database(s: sentinels.Sentinels) -> None:
    with sentinels._connect(s.postgres_url, sentinels.DEFAULT_DATABASE) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(s.database)))


def drop_default_table(s: sentinels.Sentinels) -> None:
    with sentinels._connect(s.postgres_url, sentinels.DEFAULT_DATABASE) as conn:
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(s.table)))


def new_default_table(s: sentinels.Sentinels) -> None:
    with sentinels._connect(s.postgres_url, sentinels.DEFAULT_DATABASE) as conn:
        # Named after this test's own sentinel: other runs on the server pass over it.
        conn.execute(sql.SQL("CREATE TABLE {} (x int)").format(sql.Identifier(f"{s.table}_stray")))


def leave_database(s: sentinels.Sentinels) -> None:
    with sentinels._connect(s.postgres_url, sentinels.DEFAULT_DATABASE) as conn:
        name = f"agentstore_test_{s.run_id}_left"
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def delete_key(s: sentinels.Sentinels) -> None:
    with sentinels._redis_in(s.redis_url, s.redis_databases - 1) as client:
        client.delete(next(iter(s.keys)))


def expire_key(s: sentinels.Sentinels) -> None:
    with sentinels._redis_in(s.redis_url, 0) as client:
        client.expire(next(iter(s.keys)), 600)


def leave_key(s: sentinels.Sentinels) -> None:
    with sentinels._redis_in(s.redis_url, 2) as client:
        client.set(f"agentstore_test:{s.run_id}:left", "1")


TRAMPLES: dict[str, tuple[Callable[[sentinels.Sentinels], None], str]] = {
    "row": (change_row, "sentinel row in database"),
    "whole database": (drop_database, "changed: [('gone: "),
    "default table": (drop_default_table, "in the default database is gone"),
    "new table": (new_default_table, "new tables in the default database"),
    "database": (leave_database, "databases of this run left behind"),
    "key": (delete_key, "changed or is gone"),
    "ttl": (expire_key, "was given a time to live"),
    "leftover key": (leave_key, "Redis keys of this run left in database 2"),
}


def test_untouched_sentinels_show_no_problem(planted):
    assert list(sentinels.problems(planted)) == []


@pytest.mark.parametrize("how", TRAMPLES)
def test_each_way_of_trampling_is_named(planted, how):
    trample, words = TRAMPLES[how]
    trample(planted)
    found = list(sentinels.problems(planted))
    assert len(found) == 1 and words in found[0], found


def run_platform(*extra: str) -> subprocess.CompletedProcess[str]:
    """The platform feature on the shared servers, as a user runs it, with ``extra`` options."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "features/platform", "-p", "no:cacheprovider", *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(TRAMPLER)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_run_that_tramples_a_sentinel_fails_naming_it():
    done = run_platform("-p", "trample_plugin", "--backends=postgres,sqlite,redis")
    assert done.returncode == 1, done.stdout[-2000:]
    assert "ISOLATION BROKEN" in done.stdout
    assert "changed or is gone" in done.stdout


@pytest.mark.slow
def test_the_same_run_without_trampling_passes_and_says_so():
    done = run_platform("--backends=postgres,sqlite,redis")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "agentstore sentinels: untouched" in done.stdout
