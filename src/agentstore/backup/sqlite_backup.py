"""SQLite backups (the Personal Edition) through SQLite's online backup API.

Backup: the backup API copies the live file in one step, inside one read transaction, so
the copy is one consistent moment even while other connections keep writing (in WAL mode
they are not even held up). Counts and checksums are taken from the copy.

Restore (the safety scheme, see SECURITY.md): the file is untrusted. The copy is extracted
to an unnamed scratch file, opened read-only, and checked there first: SQLite's integrity
check, exactly agentstore's schema at the backup's revision (no trigger, view or table of
its own, see :mod:`known`), every value of the type its column declares (SQLite itself
would take text in an integer column) and no NUL in text, every foreign key resolved, and
every table's count and checksum. Only then does the backup API copy it over the target,
page for page, as one write transaction on the target: other connections see the old content
or the new, never a mix, and a failure or a kill part-way is rolled back by SQLite's journal.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

from agentstore.backup import children, container, known, portable_file
from agentstore.backup.manifest import Manifest, TableSummary
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.errors import (
    BackendUnavailable,
    BackupCorrupt,
    BackupError,
    TargetNotEmpty,
    VerificationFailed,
)
from agentstore.urls import BackendURL, manifest_source, sqlite_file

FILE = "database.sqlite"
BOOKKEEPING = {"alembic_version"}
HASH_BATCH = 10_000


def _path(url: BackendURL) -> Path:
    return sqlite_file(url, "a backup")


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    return [name for (name,) in rows]


def summarize(connection: sqlite3.Connection) -> dict[str, TableSummary]:
    """Every table's row count and a checksum of its rows in rowid order, as SQLite holds them.

    Rows are hashed as the text of fixed batches of ``HASH_BATCH`` (one ``repr`` per batch,
    not per row: the same rows always give the same checksum, several times faster).
    """
    tables = {}
    for name in _tables(connection):
        digest = hashlib.sha256()
        rows = 0
        quoted = '"' + name.replace('"', '""') + '"'
        cursor = connection.execute(f"SELECT * FROM {quoted} ORDER BY rowid")
        while batch := cursor.fetchmany(HASH_BATCH):
            digest.update(repr(batch).encode())
            rows += len(batch)
        tables[name] = TableSummary(rows, "sqlite-sha256:" + digest.hexdigest())
    return tables


def _revision(connection: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(connection):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def backup(url: BackendURL, out: str | os.PathLike[str], progress: Progress = QUIET) -> Summary:
    """Copy the SQLite database at ``url`` into the backup file ``out``."""
    source = _path(url)
    if not source.exists():
        raise BackendUnavailable(f"the SQLite database {source} does not exist ({url.redacted})")
    summary = Summary("backup", f"{source} -> {out}")
    with children.scratch_folder("agentstore-backup-") as work:
        copy = Path(work) / FILE
        progress.show("copying with the SQLite backup API", force=True)
        with (
            closing(sqlite3.connect(source, timeout=30)) as live,
            closing(sqlite3.connect(copy)) as target,
        ):
            live.backup(target)
        with closing(sqlite3.connect(copy)) as snapshot:
            progress.show("counting and checksumming tables", force=True)
            tables = summarize(snapshot)
            revision = _revision(snapshot)
        if revision is None:
            raise BackupError(
                f"{source} holds no agentstore schema, so there is nothing to back up "
                "(run `agentstore migrate up` first)"
            )
        manifest = Manifest(
            kind="sqlite-file",
            source_backend="sqlite",
            source_url=manifest_source(url),
            schema_revision=revision,
            tables=tables,
        )
        with portable_file.writing(out) as archive:
            archive.writestr(container.MANIFEST, manifest.to_json())
            archive.write(copy, FILE, compress_type=zipfile.ZIP_STORED)
    progress.done()
    return summary.held(manifest, out)


def _check(tables: dict[str, TableSummary], manifest: Manifest, where: str) -> None:
    for name, expected in sorted(manifest.tables.items()):
        found = tables.get(name)
        if found is None or found.rows != expected.rows or found.checksum != expected.checksum:
            rows = "no" if found is None else found.rows
            raise VerificationFailed(
                f"{where}: table {name} came back with {rows} rows (the backup holds "
                f"{expected.rows}) or different contents; the target was not changed"
            )


def first_with_rows(connection: sqlite3.Connection) -> str | None:
    for name in _tables(connection):
        if name in BOOKKEEPING:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        if connection.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})").fetchone()[0]:
            return name
    return None


def restore(
    url: BackendURL,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    *,
    force: bool = False,
    progress: Progress = QUIET,
) -> Summary:
    """Restore a SQLite backup into the file ``url`` names: verified first, then copied in."""
    target = _path(url)
    summary = Summary("restore", f"{where} -> {target}")
    if target.exists() and not force:
        with closing(sqlite3.connect(target, timeout=30)) as existing:
            occupied = first_with_rows(existing)
        if occupied:
            raise TargetNotEmpty(
                f"{target} already holds data ({occupied}): restore into an empty database, "
                "or add --force to replace it"
            )
    revision = known.check_tables(set(manifest.tables), manifest.schema_revision, where)
    target.parent.mkdir(parents=True, exist_ok=True)
    with children.scratch_folder(".agentstore-restore-", str(target.parent)) as work:
        copy = Path(work) / FILE
        progress.show("reading the backup", force=True)
        container.extract_to(archive, FILE, where, copy)
        with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as staged:
            progress.show("checking and verifying the backup", force=True)
            try:
                _check_file(staged, revision, where)
                _check(summarize(staged), manifest, where)
            except sqlite3.DatabaseError:
                raise BackupCorrupt(f"{where}: {FILE} is damaged: not a SQLite database") from None
            progress.show("copying into the target", force=True)
            with closing(sqlite3.connect(target, timeout=30)) as live:
                staged.backup(live)
    progress.done()
    assert archive.filename is not None  # container.open_backup opens a path
    return summary.held(manifest, archive.filename)


#: The storage classes each declared column type may hold (``null`` aside).
_CLASSES = {"INTEGER": "'integer'", "BIGINT": "'integer'", "DOUBLE": "'real','integer'"}


def _check_file(staged: sqlite3.Connection, revision: str, where: str) -> None:
    """``BackupCorrupt`` unless the file is sound and holds agentstore's schema and typed
    values only."""
    if staged.execute("PRAGMA integrity_check").fetchone() != ("ok",):
        raise BackupCorrupt(f"{where}: {FILE} is damaged (SQLite's integrity check fails)")
    found, expected = known.sqlite_shape(staged), known.sqlite_shape_at(revision)
    if found != expected:
        extra, missing = sorted(found - expected), sorted(expected - found)
        what = f"it holds {' '.join(extra[0])!r}" if extra else f"no {' '.join(missing[0])!r}"
        raise BackupCorrupt(
            f"{where}: {FILE} does not hold agentstore's schema at revision {revision} "
            f"({what[:160]}): the file was refused"
        )
    if _revision(staged) != revision:
        raise BackupCorrupt(f"{where}: {FILE} is not at the revision its manifest names")
    rules: dict[str, list[str]] = {}
    for item in sorted(expected):
        if item[0] == "column":
            _, table, column, declared = item[:4]
            allowed = _CLASSES.get(declared.split("(")[0], "'text'")
            name = _quoted(column)
            rules.setdefault(table, []).append(
                f"typeof({name}) NOT IN ({allowed}, 'null') OR instr({name}, char(0)) > 0"
            )
    for table, conditions in rules.items():
        query = f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)} WHERE {' OR '.join(conditions)})"
        if staged.execute(query).fetchone()[0]:
            raise BackupCorrupt(
                f"{where}: table {table} holds a value of the wrong type or a NUL in text"
            )
    if staged.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise BackupCorrupt(f"{where}: {FILE} holds a row whose parent is missing")


def _quoted(name: str) -> str:
    """A name from agentstore's own schema (never from the file), quoted for SQLite."""
    return '"' + name.replace('"', '""') + '"'
