"""Bad backup files and faults: one clear error, and the target exactly as it was."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from agentstore import Database, errors
from agentstore import backup as backups
from agentstore.backup import pg_tools
from agentstore.db import demo
from harness.isolation.places import Isolation
from support.backup import faults as backup_faults
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads


def seeded(isolation: Isolation, backend: str, seed: int = 7) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, 3, executions=15, seed=seed)
    return url


BAD_FILES: dict[str, tuple[Callable[[Path], Path], type[errors.BackupError], str]] = {
    "truncated": (backup_faults.truncated, errors.BackupCorrupt, "cut short"),
    "png": (backup_faults.png, errors.BackupCorrupt, "PNG"),
    "empty": (backup_faults.empty, errors.BackupCorrupt, "empty"),
    "newer format": (
        lambda p: backup_faults.with_manifest(p, format_version=2),
        errors.BackupTooNew,
        "format 2",
    ),
    "newer revision": (
        lambda p: backup_faults.with_manifest(p, schema_revision="9999"),
        errors.BackupTooNew,
        "'9999'",
    ),
}


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_a_bad_backup_file_is_refused_and_the_target_is_unchanged(
    isolation: Isolation, tmp_path: Path, backend: str, bad: str
) -> None:
    damage, kind, words = BAD_FILES[bad]
    path = tmp_path / "b.zip"
    backups.backup(seeded(isolation, backend), path)
    target = seeded(isolation, backend, seed=8)
    before = backup_state.records(target)
    with pytest.raises(kind, match=words) as caught:
        backups.restore(target, damage(path), force=True)
    assert "\n" not in str(caught.value)
    assert backup_state.records(target) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_an_archive_with_one_flipped_byte_in_a_table_is_refused(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    path = tmp_path / "a.zip"
    backups.export(seeded(isolation, "sqlite"), path)
    target = seeded(isolation, backend, seed=8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match="executions"):
        backups.import_archive(
            target, backup_faults.flipped(path, "tables/executions.jsonl"), force=True
        )
    assert backup_state.records(target) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_non_empty_target_is_refused_without_force(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    backups.backup(seeded(isolation, backend), tmp_path / "b.zip")
    target = seeded(isolation, backend, seed=8)
    before = backup_state.records(target)
    with pytest.raises(errors.TargetNotEmpty, match="--force"):
        backups.restore(target, tmp_path / "b.zip")
    assert backup_state.records(target) == before


def test_a_backup_of_a_newer_postgresql_is_refused(isolation: Isolation, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backups.backup(seeded(isolation, "postgres"), path)
    target = seeded(isolation, "postgres", seed=8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupTooNew, match="PostgreSQL 99"):
        backups.restore(target, backup_faults.with_manifest(path, server_major=99), force=True)
    assert backup_state.records(target) == before


def test_client_programs_older_than_the_server_name_the_package_to_install() -> None:
    found = pg_tools.installed()
    assert found, "no PostgreSQL client programs on this machine"
    oldest = found[0]
    directory = str(Path(oldest.pg_dump).parent)
    with pytest.raises(errors.ToolsMismatch) as caught:
        pg_tools.tools_for(oldest.major + 1, dirs=[directory])
    assert str(caught.value) == (
        f"pg_dump {oldest.major} cannot dump a PostgreSQL {oldest.major + 1} server; "
        f"install postgresql-client-{oldest.major + 1}"
    )
    assert pg_tools.tools_for(oldest.major, dirs=[directory]).major == oldest.major


def test_a_restore_cut_off_from_its_server_leaves_the_target_as_it_was(
    isolation: Isolation, tmp_path: Path
) -> None:
    backups.backup(seeded(isolation, "postgres"), tmp_path / "b.zip")
    target = seeded(isolation, "postgres", seed=8)
    before = backup_state.records(target)
    error = backup_faults.cut_off_mid_restore(
        target, lambda: backups.restore(target, tmp_path / "b.zip", force=True)
    )
    assert isinstance(error, errors.BackendUnavailable), error
    assert "nothing was changed" in str(error)
    assert backup_state.records(target) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_restore_that_differs_from_the_manifest_is_rolled_back_naming_the_table(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    path = tmp_path / "b.zip"
    backups.backup(seeded(isolation, backend), path)
    with zipfile.ZipFile(path) as archive:
        tables = json.loads(archive.read("manifest.json"))["tables"]
    tables["executions"]["rows"] += 1
    target = seeded(isolation, backend, seed=8)
    before = backup_state.records(target)
    with pytest.raises(errors.VerificationFailed, match="table executions"):
        backups.restore(target, backup_faults.with_manifest(path, tables=tables), force=True)
    assert backup_state.records(target) == before


def test_an_import_that_differs_from_the_manifest_is_rolled_back_naming_the_table(
    isolation: Isolation, tmp_path: Path
) -> None:
    path = tmp_path / "a.zip"
    backups.export(seeded(isolation, "sqlite"), path)
    with zipfile.ZipFile(path) as archive:
        tables = json.loads(archive.read("manifest.json"))["tables"]
    tables["agents"]["checksum"] = "sha256:" + "0" * 64
    target = seeded(isolation, "postgres", seed=8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match="table agents"):
        backups.import_archive(target, backup_faults.with_manifest(path, tables=tables), force=True)
    assert backup_state.records(target) == before


def test_a_failed_import_with_force_puts_the_replaced_memory_back(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = backup_workloads.seeded(isolation, "sqlite", 2, 4)
    backup_workloads.remember(source, {"aqe/new": None})
    backups.export(source.url, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        tables = json.loads(archive.read("manifest.json"))["tables"]
    tables["executions"]["checksum"] = "sha256:" + "0" * 64
    target = backup_workloads.seeded(isolation, "postgres", 1, 2, seed=8)
    backup_workloads.remember(target, {"aqe/old": 300.0, "aqe/kept": None})
    before = backup_workloads.whole_state(target)
    damaged = backup_faults.with_manifest(tmp_path / "a.zip", tables=tables)
    with pytest.raises(errors.BackupCorrupt, match="table executions"):
        backups.import_archive(target.url, damaged, force=True)
    assert backup_workloads.whole_state(target) == before
    assert 290 < backup_state.memory_ttls(target.url, "aqe", "")["aqe/old"] <= 300
