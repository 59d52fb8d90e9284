"""Steps for backing up, restoring, exporting and importing, whole or damaged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytest import MonkeyPatch
from pytest_bdd import given, when

from agentstore import backup as backups
from agentstore import open_memory
from agentstore.backup import pg_tools
from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.backup import faults as backup_faults
from support.backup import hostile as backup_hostile
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads
from support.backup.servers import NewerPostgres
from support.backup.workloads import Outcome, Store

_step = phrase


@when(_step("the store is backed up and restored into an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, source: Store, tmp_path: Path) -> Store:
    """Back the store up to a file, then restore that file into a new, empty store."""
    target = backup_workloads.new_store(isolation, backend)
    backups.backup(source.url, tmp_path / "backup.zip")
    backups.restore(target.url, tmp_path / "backup.zip")
    return target


@when(
    _step("the store is backed up while an agent keeps recording batches of {size:d} executions"),
    target_fixture="backup_file",
)
def _(source: Store, tmp_path: Path, size: int) -> Path:
    """Back up while another connection keeps adding agents, each with its batch."""
    assert size == 10, "the writer records batches of 10"
    outcome = backup_workloads.backup_while_writing(source, tmp_path / "backup.zip")
    assert outcome.error is None, outcome.error
    return tmp_path / "backup.zip"


@given(
    _step("a backup of a store another application has given a trigger and a table of its own"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, backend: str, tmp_path: Path) -> Path:
    """A seeded store, plus another application's trigger, functions and table, backed up
    whole (PostgreSQL: a plain pg_dump in an honest backup's manifest; SQLite: the file)."""
    source = backup_workloads.seeded(isolation, backend, 3, 12)
    return backup_hostile.backup_with_foreign_objects(source.url, backend, tmp_path)


@when(_step("the backup is restored into an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, backup_file: Path) -> Store:
    """Restore the backup file into a new, empty store on the scenario's backend."""
    target = backup_workloads.new_store(isolation, backend)
    backups.restore(target.url, backup_file)
    return target


@when(
    _step("its records move to the team server and from there to a new Personal Edition store"),
    target_fixture="moved",
)
def _(isolation: Isolation, source: Store, tmp_path: Path) -> dict[str, Store]:
    """Export the Personal Edition, import it on PostgreSQL, export that, import into SQLite."""
    team = backup_workloads.new_store(isolation, "postgres")
    again = backup_workloads.new_store(isolation, "sqlite")
    backups.export(source.url, tmp_path / "personal.zip")
    backups.import_archive(team.url, tmp_path / "personal.zip")
    backups.export(team.url, tmp_path / "team.zip")
    backups.import_archive(again.url, tmp_path / "team.zip")
    return {"team": team, "again": again}


@when(_step("the memory moves to an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, source: Store, tmp_path: Path) -> Store:
    """Export the Redis memory and import it into a new store on the scenario's backend."""
    target = backup_workloads.new_store(isolation, backend)
    backups.export(source.url, tmp_path / "memory.zip", prefix=source.prefix)
    backups.import_archive(target.url, tmp_path / "memory.zip")
    return target


@when(
    _step("the memory is backed up with its prefix, lost, and restored"), target_fixture="outcome"
)
def _(source: Store, tmp_path: Path) -> Outcome:
    """Back up the Redis memory under its prefix, delete every fact, restore the backup."""
    before = backup_state.memory(source.url, "aqe", source.prefix)
    backups.backup(source.url, tmp_path / "memory.zip", prefix=source.prefix)
    with open_memory(source.url, "aqe", source.prefix) as memory:
        for key in memory.list_keys():
            memory.delete(key)
    assert backup_state.memory(source.url, "aqe", source.prefix) == {}
    summary = backups.restore(source.url, tmp_path / "memory.zip")
    return Outcome(summary=summary, before=before)


@when(
    _step("a {action:BackupMove} of the memory is taken with a prefix that holds nothing"),
    target_fixture="outcome",
)
def _(source: Store, tmp_path: Path, action: str) -> Outcome:
    """Back up or export the memory's server under a prefix no store uses."""
    move = backups.backup if action == "backup" else backups.export
    return backup_workloads.attempt(
        move, source.url, tmp_path / "nothing.zip", prefix=source.prefix + "nobody:"
    )


@when(_step("the store is backed up with only those client programs"), target_fixture="outcome")
def _(
    source: Store, newer_postgres: NewerPostgres, tmp_path: Path, monkeypatch: MonkeyPatch
) -> Outcome:
    """Back up with the search for client programs pinned to the machine's older ones."""
    monkeypatch.setenv(pg_tools.PINNED, str(Path(newer_postgres.older_tools.pg_dump).parent))
    return backup_workloads.attempt(backups.backup, source.url, tmp_path / "never.zip")


@when(
    _step("{file:BackupFile} is restored into the target, replacing what it holds"),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store, file: Callable[[Path], Path]) -> Outcome:
    """Damage the backup file as the row says, then restore it with --force."""
    before = backup_workloads.whole_state(target)
    outcome = backup_workloads.attempt(backups.restore, target.url, file(backup_file), force=True)
    outcome.before = before
    return outcome


@when(
    _step(
        "the archive with one byte flipped in its executions is imported,"
        " replacing what the target holds"
    ),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store) -> Outcome:
    """Flip one byte inside the archive's executions, then import it with --force."""
    before = backup_workloads.whole_state(target)
    damaged = backup_faults.flipped(backup_file, "tables/executions.jsonl")
    outcome = backup_workloads.attempt(backups.import_archive, target.url, damaged, force=True)
    outcome.before = before
    return outcome


@when(_step("the backup is restored into the target without force"), target_fixture="outcome")
def _(backup_file: Path, target: Store) -> Outcome:
    """Restore the backup into the target that holds data, without --force."""
    before = backup_workloads.whole_state(target)
    outcome = backup_workloads.attempt(backups.restore, target.url, backup_file)
    outcome.before = before
    return outcome


@when(
    _step(
        "the target's server connection is cut while the backup is restored,"
        " replacing what it holds"
    ),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store) -> Outcome:
    """Hold the restore part-way, terminate its session on the target's own database."""
    before = backup_workloads.whole_state(target)
    error = backup_faults.cut_off_mid_restore(
        target.url, lambda: backups.restore(target.url, backup_file, force=True)
    )
    return Outcome(error=error, before=before)  # type: ignore[arg-type]
