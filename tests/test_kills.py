"""A restore or a backup SIGKILLed at random moments (issue 19): the restore target holds
exactly what it held or exactly the backup, no ``pg_restore``/``pg_dump`` outlives the killed
command, no PostgreSQL session of it stays, and what a killed run leaves on disk (a staged
copy, a raw dump, a partial file) is gone after the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from agentstore import backup as backups
from agentstore.backup.pg_backup import APPLICATION
from agentstore.db.sqlite_files import sqlite_path
from agentstore.urls import libpq_url
from harness.isolation.places import Isolation
from support.backup import kills
from support.backup import workloads as backup_workloads
from support.backup.fingerprints import fingerprint

#: Each backend's kill loop starts no new kill after this many seconds.
BUDGET = 16.0
#: Agents and executions in the backup to restore: a restore of 0.47 s on PostgreSQL and 0.26 s
#: on SQLite here, once the CLI is loaded (a forked restore).
BIG = {"postgres": (200, 8000), "sqlite": (200, 12000)}
#: Agents and executions in the database to back up: a backup of 0.19 s on PostgreSQL and
#: 0.05 s on SQLite here, once the CLI is loaded.
SMALLER = (100, 4000)


def _sessions(url: str) -> int:
    """How many sessions of a restore are connected to the database at ``url``."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            " AND datname = current_database() AND pid <> pg_backend_pid()",
            (APPLICATION,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _no_session_left(url: str, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while _sessions(url) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sessions(url) == 0, "a killed restore's session stayed on the server"


def _staged(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".agentstore-restore-*"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_restore_killed_at_any_moment_leaves_the_target_old_or_restored(
    isolation: Isolation, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    source = backup_workloads.seeded(isolation, backend, *BIG[backend])
    big, old_file = tmp_path / "big.backup", tmp_path / "old.backup"
    backups.backup(source.url, big)
    target = backup_workloads.seeded(isolation, backend, 4, 8, seed=8)
    backups.backup(target.url, old_file)
    # The old state as a restore leaves it: the reference.
    backups.restore(target.url, old_file, force=True)
    old = fingerprint(target.url)
    arguments = ["restore", "--force", "--url", target.url, "--input", str(big)]
    commands = kills.Forker()  # each restore forked from a loaded CLI: the kills hit its work
    request.addfinalizer(commands.close)
    full = commands.timed(arguments)
    new = fingerprint(target.url)
    assert new != old
    backups.restore(target.url, old_file, force=True)
    folder = sqlite_path(target.url).parent if backend == "sqlite" else None  # type: ignore[union-attr]
    outcomes: list[str] = []

    def check() -> None:
        found = fingerprint(target.url)
        assert found in (old, new), "a killed restore left the target half-way"
        outcomes.append("new" if found == new else "old")
        if backend == "postgres":
            _no_session_left(target.url)
        if found == new:
            backups.restore(target.url, old_file, force=True)

    aim = "pg_restore" if backend == "postgres" else None
    start = lambda: commands.start(arguments)  # noqa: E731
    made = kills.kill_loop(start, full, 10, seed=19, after=check, budget=BUDGET, aim=aim)
    print(f"{backend}: uncut restore {full:.2f} s, kills {outcomes}")
    assert made >= 4, outcomes  # fewer than 10 only on a loaded machine
    if folder is not None:
        commands.timed(arguments)  # the next run sweeps what a killed one staged
        assert fingerprint(target.url) == new
        assert _staged(folder) == []


def _complete(path: Path, expected: dict[str, Any], isolation: Isolation, backend: str) -> None:
    """``path`` is a whole backup: it restores to exactly the source."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    fresh = isolation.new(backend)
    backups.restore(fresh.url, path, force=True)
    assert fingerprint(fresh.url) == expected


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_killed_backup_leaves_no_file_unless_whole_and_the_next_run_clears_its_leftovers(
    isolation: Isolation, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    source = backup_workloads.seeded(isolation, backend, *SMALLER)
    expected = fingerprint(source.url)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    out = tmp_path / "out" / "a.backup"
    arguments = ["backup", "--url", source.url, "--out", str(out)]
    commands = kills.Forker(env)  # each backup forked from a loaded CLI: the kills hit its work
    request.addfinalizer(commands.close)
    full = commands.timed(arguments)
    out.unlink()
    whole: list[bool] = []

    def check() -> None:
        names = sorted(p.name for p in out.parent.iterdir())
        assert names in ([], ["a.backup"]), names  # nothing, or the whole backup
        whole.append(bool(names))
        if names:
            _complete(out, expected, isolation, backend)
            out.unlink()

    aim = "pg_dump" if backend == "postgres" else None
    start = lambda: commands.start(arguments)  # noqa: E731
    made = kills.kill_loop(start, full, 5, seed=6, after=check, aim=aim)
    print(f"{backend}: uncut backup {full:.2f} s, leftovers {sorted(os.listdir(scratch))}")
    assert made == 5, whole
    commands.timed(arguments)
    assert [p.name for p in out.parent.iterdir()] == ["a.backup"]
    assert list(scratch.glob("agentstore-backup-*")) == []
    assert os.listdir(scratch) == []
    _complete(out, expected, isolation, backend)


def test_the_command_line_finds_its_temporary_folder_before_any_command_works(tmp_path):
    """Python's first look for its temporary folder writes and deletes a probe file there: done
    as the CLI loads, a command killed mid-work never leaves that probe behind."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    show = "import tempfile; from agentstore import cli; print(tempfile.tempdir)"
    found = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == str(tmp_path)
    assert os.listdir(tmp_path) == []  # and the probe is gone


def test_a_forker_closed_while_its_child_is_stopped_ends_both_without_waiting(
    tmp_path: Path,
) -> None:
    never_written = tmp_path / "never-written"
    os.mkfifo(never_written)  # the import blocks on it: the child is alive when stopped
    started = kills.Forker()
    child = started.start(
        [
            *("import", "--force", "--url", f"sqlite:///{tmp_path / 'target.db'}"),
            *("--input", str(never_written), "--prefix", "p"),
        ]
    )
    os.kill(child.pid, signal.SIGSTOP)  # as a kill loop interrupted before its wait()
    began = time.monotonic()
    started.close()
    assert time.monotonic() - began < 5
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)  # killed and reaped
