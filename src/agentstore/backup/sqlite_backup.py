"""SQLite backups (the Personal Edition) through SQLite's online backup API.

Backup: the backup API copies the live file in one step, inside one read transaction, so
the copy is one consistent moment even while other connections keep writing (in WAL mode
they are not even held up). Counts and checksums are taken from the copy.

Restore (the safety scheme): the copy is extracted to a temporary file and verified there
first; only then does the backup API copy it over the target, page for page, which SQLite
does as one write transaction on the target: other connections see the old content or the
new, never a mix, and a failure part-way is rolled back by SQLite's journal.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

from agentstore.backup import container
from agentstore.backup.manifest import Manifest, TableSummary
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.db.sqlite_files import sqlite_path
from agentstore.errors import BackendUnavailable, InvalidURL, TargetNotEmpty, VerificationFailed
from agentstore.urls import manifest_source, redact

FILE = "database.sqlite"
BOOKKEEPING = {"alembic_version"}
HASH_BATCH = 10_000


def _path(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise InvalidURL(f"a backup needs a SQLite file, not an in-memory database: {redact(url)}")
    return path


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


def backup(url: str, out: str | os.PathLike[str], progress: Progress = QUIET) -> Summary:
    """Copy the SQLite database at ``url`` into the backup file ``out``."""
    source = _path(url)
    if not source.exists():
        raise BackendUnavailable(f"the SQLite database {source} does not exist ({redact(url)})")
    summary = Summary("backup", f"{source} -> {out}")
    with tempfile.TemporaryDirectory(prefix="agentstore-backup-") as work:
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
        manifest = Manifest(
            kind="sqlite-file",
            source_backend="sqlite",
            source_url=manifest_source(url),
            schema_revision=revision,
            tables=tables,
        )
        with container.writing(out) as archive:
            archive.writestr(container.MANIFEST, manifest.to_json())
            archive.write(copy, FILE, compress_type=zipfile.ZIP_STORED)
    progress.done()
    summary.tables = len(tables)
    summary.rows = sum(t.rows for t in tables.values())
    summary.bytes = os.path.getsize(out)
    return summary.finish()


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
    url: str,
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
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".agentstore-restore-", dir=target.parent) as work:
        copy = Path(work) / FILE
        progress.show("reading the backup", force=True)
        container.extract_to(archive, FILE, where, copy)
        with closing(sqlite3.connect(copy)) as staged:
            progress.show("verifying the backup", force=True)
            _check(summarize(staged), manifest, where)
            progress.show("copying into the target", force=True)
            with closing(sqlite3.connect(target, timeout=30)) as live:
                staged.backup(live)
    progress.done()
    summary.tables = len(manifest.tables)
    summary.rows = sum(t.rows for t in manifest.tables.values())
    summary.bytes = archive.getinfo(FILE).file_size
    return summary.finish()
