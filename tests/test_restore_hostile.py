"""A backup file is untrusted: nothing it holds runs, and a refused file changes nothing.

Issue 19, items 1-3 and the restore part of 7: a table name that would break out of a
generated script, a plain pg_dump carrying a trigger, an event trigger, functions and a table
of its own, a manifest that lists no tables, and SQLite files with a trigger, a foreign table,
text in an integer column or a NUL in text (their manifests recomputed, so only the content
is hostile).
"""

from __future__ import annotations

import sqlite3
import uuid
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from agentstore import Database, errors
from agentstore import backup as backups
from agentstore.backup import sqlite_backup
from agentstore.backup.manifest import Manifest
from agentstore.db import demo
from harness.isolation.places import Isolation
from support.backup import hostile
from support.backup import state as backup_state


def seeded(isolation: Isolation, backend: str, seed: int) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, 3, executions=12, seed=seed)
    return url


def test_a_plain_dump_with_triggers_functions_and_a_foreign_table_is_refused(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = seeded(isolation, "postgres", 7)
    backups.backup(source, tmp_path / "honest.zip")
    hostile.make_hostile(source, uuid.uuid4().hex[:8])
    bad = hostile.wrap_raw_dump(source, tmp_path / "honest.zip", tmp_path / "bad.zip")
    target = seeded(isolation, "postgres", 8)
    before = hostile.fingerprint(target)
    with pytest.raises(errors.BackupCorrupt, match="not part of agentstore's schema") as caught:
        backups.restore(target, bad, force=True)
    assert "\n" not in str(caught.value)
    assert hostile.fingerprint(target) == before


def test_an_honest_backup_of_a_database_with_foreign_objects_carries_only_agentstore(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = seeded(isolation, "postgres", 7)
    hostile.make_hostile(source, uuid.uuid4().hex[:8])
    backups.backup(source, tmp_path / "b.zip")
    target = isolation.new("postgres", migrated=False).url
    backups.restore(target, tmp_path / "b.zip")
    found = hostile.fingerprint(target)
    assert (found["functions"], found["triggers"], found["event_triggers"]) == ([], [], [])
    assert ("loot",) not in found["tables"]
    assert found["agents"] == hostile.fingerprint(source)["agents"]
    with Database(target) as database:  # no trigger rewrites the next agent
        demo.seed(database, 1, executions=0, seed=9)
    assert "hijacked" not in {row[2] for row in hostile.fingerprint(target)["agents"]}


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
@pytest.mark.parametrize(
    ("name", "words"),
    [(hostile.SHELL_NAME, "not a plain lower-case identifier"), ("loot", "does not have")],
    ids=["shell-command", "foreign-table"],
)
def test_a_table_name_that_would_run_a_shell_command_is_refused(
    isolation: Isolation, tmp_path: Path, backend: str, name: str, words: str
) -> None:
    backups.backup(seeded(isolation, backend, 7), tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        tables = Manifest.from_json(archive.read("manifest.json"), "b").tables
    pwned = tmp_path / "pwned"
    name = name.format(path=pwned)
    listed = {k: {"rows": v.rows, "checksum": v.checksum} for k, v in tables.items()}
    listed[name] = {"rows": 0, "checksum": "x"}
    bad = hostile.with_tables(tmp_path / "b.zip", tmp_path / "bad.zip", listed)
    target = seeded(isolation, backend, 8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match=words) as caught:
        backups.restore(target, bad, force=True)
    assert "\n" not in str(caught.value)
    assert not pwned.exists()
    assert backup_state.records(target) == before


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_backup_whose_manifest_lists_no_tables_is_refused(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    backups.backup(seeded(isolation, backend, 7), tmp_path / "b.zip")
    bad = hostile.with_tables(tmp_path / "b.zip", tmp_path / "bad.zip", {})
    target = seeded(isolation, backend, 8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match="lists no table"):
        backups.restore(target, bad, force=True)
    assert backup_state.records(target) == before


SQLITE_TAMPERING = {
    "a trigger": (
        "CREATE TRIGGER wipe AFTER INSERT ON agents BEGIN DELETE FROM executions; END",
        "wipe",
    ),
    "a table of its own": ("CREATE TABLE loot (secret TEXT)", "loot"),
    "text in an integer column": (
        "UPDATE agents SET priority = 'high' WHERE id = 1",
        "wrong type",
    ),
    "a NUL in text": ("UPDATE agents SET role = 'a' || char(0) || 'b' WHERE id = 1", "NUL"),
}


@pytest.mark.parametrize("tampering", sorted(SQLITE_TAMPERING))
def test_a_tampered_sqlite_file_with_a_matching_manifest_is_refused(
    isolation: Isolation, tmp_path: Path, tampering: str
) -> None:
    statement, words = SQLITE_TAMPERING[tampering]
    backups.backup(seeded(isolation, "sqlite", 7), tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        (tmp_path / "db.sqlite").write_bytes(archive.read("database.sqlite"))
        manifest = Manifest.from_json(archive.read("manifest.json"), "b")
    with closing(sqlite3.connect(tmp_path / "db.sqlite")) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute(statement)
        connection.commit()
        manifest.tables = {
            name: summary
            for name, summary in sqlite_backup.summarize(connection).items()
            if name in manifest.tables
        }
    bad = hostile.replace_member(
        tmp_path / "b.zip", tmp_path / "bad.zip", "database.sqlite",
        (tmp_path / "db.sqlite").read_bytes(),
    )  # fmt: skip
    bad = hostile.replace_member(bad, tmp_path / "bad2.zip", "manifest.json", manifest.to_json())
    target = seeded(isolation, "sqlite", 8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match=words) as caught:
        backups.restore(target, bad, force=True)
    assert "\n" not in str(caught.value)
    assert backup_state.records(target) == before


@pytest.mark.parametrize(("backend", "member"), [("postgres", "database.dump"),
                                                 ("sqlite", "database.sqlite")])  # fmt: skip
def test_a_garbage_database_member_is_reported_damaged(
    isolation: Isolation, tmp_path: Path, backend: str, member: str
) -> None:
    backups.backup(seeded(isolation, backend, 7), tmp_path / "b.zip")
    bad = hostile.replace_member(tmp_path / "b.zip", tmp_path / "bad.zip", member, b"garbage" * 99)
    target = seeded(isolation, backend, 8)
    before = backup_state.records(target)
    with pytest.raises(errors.BackupCorrupt, match="damaged") as caught:
        backups.restore(target, bad, force=True)
    assert "\n" not in str(caught.value)
    assert backup_state.records(target) == before
