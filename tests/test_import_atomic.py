"""An import ends as the target was or as the archive holds, never in between (issue 19,
items 4-7): bad memory refused before anything is written, sequences that move only with
the commit, a never-migrated target left never-migrated, rows checked against their
columns, and no partial export file left behind (a killed import: the specification)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from agentstore import Database, errors
from agentstore import backup as backups
from agentstore.db import demo, records
from agentstore.urls import libpq_url
from harness.isolation.places import Isolation
from support.backup import crafted
from support.backup import workloads as backup_workloads
from support.backup.fingerprints import fingerprint
from support.backup.workloads import Store


def _columns(path: Path, table: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return [name for name, _ in manifest["tables"][table]["columns"]]


def _memory_archive(isolation: Isolation, tmp_path: Path) -> Path:
    source = backup_workloads.new_store(isolation, "redis")
    backup_workloads.remember(source, {"aqe/new": None, "aqe/other": 600.0})
    backups.export(source.url, tmp_path / "m.zip", prefix=source.prefix)
    return tmp_path / "m.zip"


# Item 4 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres", "sqlite", "redis"])
def test_a_memory_key_outside_the_namespace_is_refused_before_anything_is_replaced(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    archive = _memory_archive(isolation, tmp_path)
    entries = crafted.memory(archive)
    entries.append(["other/x", "default", 1, None])
    crafted.with_memory(archive, entries)
    target = backup_workloads.new_store(isolation, backend)
    backup_workloads.remember(target, {"aqe/old": 300.0, "aqe/kept": None})
    before = fingerprint(target.url, target.prefix)
    with pytest.raises(errors.BackupCorrupt) as caught:
        backups.import_archive(target.url, archive, force=True, prefix=target.prefix)
    assert "memory entry 3" in str(caught.value)
    assert "outside the namespace" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert fingerprint(target.url, target.prefix) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_memory_that_fails_verification_leaves_records_and_memory_as_they_were(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 2, 4)
    backup_workloads.remember(source, {"aqe/new": None})
    backups.export(source.url, tmp_path / "a.zip")
    rows = crafted.rows(tmp_path / "a.zip", "executions")
    rows[0][_columns(tmp_path / "a.zip", "executions").index("agent_id")] = 999
    crafted.with_rows(tmp_path / "a.zip", "executions", rows)
    target = backup_workloads.seeded(isolation, backend, 1, 2, seed=8)
    backup_workloads.remember(target, {"aqe/old": 300.0})
    before = fingerprint(target.url)
    with pytest.raises(errors.BackupCorrupt, match="refers to no row of agents"):
        backups.import_archive(target.url, tmp_path / "a.zip", force=True)
    assert fingerprint(target.url) == before


# Item 5 ----------------------------------------------------------------------------------


def test_a_failed_import_leaves_the_id_sequences_where_they_were(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 3, 3)
    backups.export(source.url, tmp_path / "a.zip")
    rows = crafted.rows(tmp_path / "a.zip", "agents")
    # A moment the file spells with an offset: the rows load, the read-back differs.
    at = _columns(tmp_path / "a.zip", "agents").index("created_at")
    rows[-1][at] = "2024-01-01T05:00:00.000000+05:00"
    crafted.with_rows(tmp_path / "a.zip", "agents", rows)
    target = backup_workloads.seeded(isolation, "postgres", 5, 5, seed=8)
    before = fingerprint(target.url)
    with pytest.raises(errors.VerificationFailed, match="table agents"):
        backups.import_archive(target.url, tmp_path / "a.zip", force=True)
    assert fingerprint(target.url) == before
    with Database(target.url) as database:
        demo.seed(database, 2, executions=2, seed=9)  # the next seed takes fresh ids
        with database.session() as session:
            assert records.count_agents(session) == 7


def test_a_successful_import_restarts_each_sequence_after_the_highest_id(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 3, 6)
    backups.export(source.url, tmp_path / "a.zip")
    target = backup_workloads.seeded(isolation, "postgres", 9, 9, seed=8)
    backups.import_archive(target.url, tmp_path / "a.zip", force=True)
    assert backup_workloads.add_agent_with_execution(target) == (4, 7)


# Item 6 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_failed_import_into_a_never_migrated_database_leaves_it_never_migrated(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 2, 4)
    backups.export(source.url, tmp_path / "a.zip")
    rows = crafted.rows(tmp_path / "a.zip", "executions")
    crafted.with_rows(tmp_path / "a.zip", "executions", [*rows, rows[0]])
    target = isolation.new(backend, migrated=False).url
    with pytest.raises(errors.BackupCorrupt, match="appears twice"):
        backups.import_archive(target, tmp_path / "a.zip")
    with Database(target) as database:
        assert database.current_revision() is None
    assert fingerprint(target)["records"] == {"tables": set()}


def test_a_killed_export_leaves_no_partial_file_and_a_stale_one_is_removed(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 50, 4000)
    out = tmp_path / "out" / "a.zip"
    out.parent.mkdir()
    command = [sys.executable, "-m", "agentstore.cli", "export", "--url", source.url]
    started = time.monotonic()
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True)
    full = time.monotonic() - started
    out.unlink()
    randomly = random.Random(6)
    for _ in range(5):
        process = subprocess.Popen([*command, "--out", str(out)], stdout=subprocess.DEVNULL)
        time.sleep(randomly.uniform(0.1, full))
        process.kill()
        process.wait()
        names = [p.name for p in out.parent.iterdir()]
        assert names in ([], ["a.zip"]), names  # nothing, or the whole archive
        if names:
            backups.import_archive(isolation.new("sqlite").url, out)
            out.unlink()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out.with_name(f".a.zip.{dead.pid}.partial")
    stale.write_bytes(b"left by a run killed between naming and renaming")
    backups.export(source.url, out)
    assert [p.name for p in out.parent.iterdir()] == ["a.zip"]


# Item 7 (data) ---------------------------------------------------------------------------

BAD_ROWS: dict[str, tuple[str, str, Any, str]] = {
    # name: (table, column, value, words in the error)
    "null name": ("agents", "name", None, "null where a value is required"),
    "huge priority": ("agents", "priority", 2**70, "out of the column's range"),
    "text priority": ("agents", "priority", "high", "is not an integer"),
    "NUL in task": ("executions", "task", "a\x00b", "NUL character"),
    "missing agent": ("executions", "agent_id", 4242, "refers to no row of agents"),
    "text duration": ("executions", "duration_seconds", "slow", "is not a number"),
}


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
@pytest.mark.parametrize("bad", sorted(BAD_ROWS))
def test_a_row_the_column_cannot_hold_is_refused_in_one_line(
    isolation: Isolation, tmp_path: Path, backend: str, bad: str
) -> None:
    table, column, value, words = BAD_ROWS[bad]
    path = tmp_path / "a.zip"
    backups.export(backup_workloads.seeded(isolation, "sqlite", 2, 4).url, path)
    rows = crafted.rows(path, table)
    rows[1][_columns(path, table).index(column)] = value
    crafted.with_rows(path, table, rows)
    target = backup_workloads.seeded(isolation, backend, 1, 2, seed=8)
    before = fingerprint(target.url)
    with pytest.raises(errors.BackupCorrupt) as caught:
        backups.import_archive(target.url, path, force=True)
    assert words in str(caught.value) and f"table {table}, line 2" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert fingerprint(target.url) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_primary_key_twice_is_refused_in_one_line(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    path = tmp_path / "a.zip"
    backups.export(backup_workloads.seeded(isolation, "sqlite", 2, 4).url, path)
    rows = crafted.rows(path, "agents")
    crafted.with_rows(path, "agents", [*rows, rows[0]])
    target = backup_workloads.seeded(isolation, backend, 1, 2, seed=8)
    before = fingerprint(target.url)
    with pytest.raises(errors.BackupCorrupt, match="appears twice"):
        backups.import_archive(target.url, path, force=True)
    assert fingerprint(target.url) == before


# All or nothing, even when killed: the specification's "an import killed at 10 random moments
# leaves the target as it was or complete" (features/backup/imports_that_fail.feature) runs
# kills.kill_at_random_moments on the same three backends with the same checks.


def test_memory_moves_into_a_redis_cluster_in_one_step_and_a_bad_fact_changes_nothing(
    isolation: Isolation, tmp_path: Path
) -> None:
    archive = _memory_archive(isolation, tmp_path)
    place = isolation("redis_cluster")
    target = Store("redis_cluster", place.url, place.prefix)
    backup_workloads.remember(target, {"aqe/old": 300.0})
    backups.import_archive(target.url, archive, force=True, prefix=target.prefix)
    assert set(fingerprint(target.url, target.prefix)["memory"]) == {"aqe/new", "aqe/other"}
    before = fingerprint(target.url, target.prefix)
    crafted.with_memory(archive, [*crafted.memory(archive), ["other/x", "default", 1, None]])
    with pytest.raises(errors.BackupCorrupt, match="outside the namespace"):
        backups.import_archive(target.url, archive, force=True, prefix=target.prefix)
    assert fingerprint(target.url, target.prefix) == before


def test_an_import_whose_connection_the_server_drops_changes_nothing(
    isolation: Isolation, tmp_path: Path
) -> None:
    backups.export(backup_workloads.seeded(isolation, "sqlite", 3, 9).url, tmp_path / "a.zip")
    target = backup_workloads.seeded(isolation, "postgres", 2, 4, seed=8)
    backup_workloads.remember(target, {"aqe/old": 300.0})
    before = fingerprint(target.url)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            backups.import_archive(target.url, tmp_path / "a.zip", force=True)
        except BaseException as error:
            outcome.append(error)

    with (
        psycopg.connect(libpq_url(target.url), autocommit=True) as holder,
        psycopg.connect(libpq_url(target.url), autocommit=True) as watcher,
    ):
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE agents IN SHARE MODE")  # the import's delete waits here
        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            killed = watcher.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
                " current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchall()
            if killed:
                break
            time.sleep(0.02)
        holder.execute("ROLLBACK")
    thread.join(60)
    assert outcome and isinstance(outcome[0], errors.BackendUnavailable), outcome
    assert "nothing was changed" in str(outcome[0]) and "\n" not in str(outcome[0])
    assert fingerprint(target.url) == before
