"""The portable archive: ``export`` from any backend, ``import`` into any backend.

One zip file: ``manifest.json``, ``tables/<name>.jsonl`` (one canonical line per row, see
:mod:`canonical`) and ``memory.jsonl`` (one line per live memory entry, see
:mod:`memory_io`). A Personal Edition file moves to PostgreSQL and back this way, and memory
moves between Redis and SQL.

Import, the safety scheme: the memory part is read and checked first; memory is written
through the memory API with a journal, then verified; the tables are written in ONE
database transaction that also verifies every table's count and checksum before it
commits. Any failure rolls the transaction back and undoes the memory journal, so the
target holds exactly what it held before.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import sql as psycopg_sql
from psycopg.types.json import Json
from sqlalchemy import Connection, Engine, Insert, Table, inspect, text

from agentstore.backup import canonical, container, memory_io, tables
from agentstore.backup.manifest import Manifest, TableSummary
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.db.engine import make_engine
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.errors import (
    BackupCorrupt,
    BackupError,
    TargetNotEmpty,
    VerificationFailed,
)
from agentstore.memory import MemoryStore, open_memory
from agentstore.migrations import runner
from agentstore.urls import backend_of, manifest_source, redact

MEMORY = "memory.jsonl"
BATCH = 2000


def _member(table: str) -> str:
    return f"tables/{table}.jsonl"


def _engine(url: str, *, create: bool = False) -> Engine:
    """An engine on ``url``; a missing SQLite file is refused unless ``create`` (import)."""
    if not create:
        sqlite_file_must_exist(url)
    return make_engine(url)


# Export ----------------------------------------------------------------------------------


def export(
    url: str,
    out: str | os.PathLike[str],
    *,
    namespace: str = "aqe",
    prefix: str = "",
    progress: Progress = QUIET,
) -> Summary:
    """Write every table and every live memory entry (``namespace``/``prefix``) to ``out``."""
    backend = backend_of(url)
    summary = Summary("export", f"{redact(url)} -> {out}")
    saved: dict[str, TableSummary] = {}
    revision = None
    has_memory = backend == "redis"
    with container.writing(out) as archive:
        if backend != "redis":
            engine = _engine(url)
            try:
                with engine.connect() as connection:
                    if backend == "postgres":
                        connection = connection.execution_options(isolation_level="REPEATABLE READ")
                    with connection.begin():
                        revision = tables.revision(connection)
                        for table in tables.reflect(connection):
                            saved[table.name] = _export_table(archive, connection, table, progress)
                        has_memory = _has_memory_table(connection)
            finally:
                engine.dispose()
        memory: dict[str, Any] = {}
        if has_memory:
            memory = _export_memory(archive, url, namespace, prefix, progress)
        manifest = Manifest(
            kind="portable",
            source_backend=backend,
            source_url=manifest_source(url),
            schema_revision=revision,
            tables=saved,
            memory=memory,
        )
        archive.writestr(container.MANIFEST, manifest.to_json())
    progress.done()
    summary.tables = len(saved)
    summary.rows = manifest.rows
    summary.bytes = os.path.getsize(out)
    return summary.finish()


def _has_memory_table(connection: Connection) -> bool:
    return "memory_entries" in inspect(connection).get_table_names()


def _export_table(
    archive: zipfile.ZipFile, connection: Connection, table: Table, progress: Progress
) -> TableSummary:
    columns = canonical.columns_of(table)
    kinds = [kind for _, kind in columns]
    checksum = canonical.Checksum()
    chunk: list[bytes] = []
    with archive.open(_member(table.name), "w", force_zip64=True) as stream:
        for row in tables.ordered_rows(connection, table):
            data = canonical.line(row, kinds)
            checksum.add(data)
            chunk.append(data)
            if len(chunk) == BATCH:
                stream.write(b"".join(chunk))
                chunk.clear()
                progress.show(f"exporting {table.name}: {checksum.rows:,} rows")
        stream.write(b"".join(chunk))
    return TableSummary(checksum.rows, checksum.hexdigest(), columns)


def _export_memory(
    archive: zipfile.ZipFile, url: str, namespace: str, prefix: str, progress: Progress
) -> dict[str, Any]:
    file_sum = canonical.Checksum()
    contents = []
    with (
        open_memory(url, namespace, prefix) as store,
        archive.open(MEMORY, "w", force_zip64=True) as stream,
    ):
        for entry in memory_io.entries(store):
            data = memory_io.line(entry)
            file_sum.add(data)
            stream.write(data)
            contents.append(entry[:3])
            progress.show(f"exporting memory: {file_sum.rows:,} entries")
    return {
        "namespace": namespace,
        "prefix": prefix,
        "entries": file_sum.rows,
        "checksum": file_sum.hexdigest(),
        "content_checksum": memory_io.checksum(contents).hexdigest(),
    }


# Import ----------------------------------------------------------------------------------


def import_(
    url: str,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    *,
    force: bool = False,
    prefix: str = "",
    progress: Progress = QUIET,
) -> Summary:
    """Load a portable archive into ``url``; the target ends with all of it or is unchanged."""
    if manifest.kind != "portable":
        raise BackupError(
            f"{where} is a {manifest.source_backend} backup, not a portable archive: "
            "use `agentstore restore`"
        )
    backend = backend_of(url)
    summary = Summary("import", f"{where} -> {redact(url)}")
    memory = _read_memory(archive, manifest, where) if manifest.memory else None
    rows = sum(t.rows for t in manifest.tables.values())
    if backend == "redis":
        if rows:
            raise BackupError(
                f"{where} holds {rows} records in {len(manifest.tables)} tables, and Redis "
                "keeps only memory: import it into PostgreSQL or SQLite"
            )
        if memory is not None:
            _write_memory(url, memory, manifest, force, prefix)
    else:
        engine = _engine(url, create=True)
        try:
            _prepare_schema(engine, url, manifest, where)
            with engine.connect() as connection:
                if not force:
                    _refuse_non_empty(connection, url)
            journal = _write_memory(url, memory, manifest, force, prefix) if memory else None
            try:
                _import_tables(engine, archive, manifest, where, force, progress)
            except BaseException:
                if journal:
                    journal.undo()
                raise
        finally:
            engine.dispose()
    progress.done()
    summary.tables = len(manifest.tables)
    summary.rows = manifest.rows
    summary.bytes = sum(info.file_size for info in archive.infolist())
    return summary.finish()


def _read_memory(archive: zipfile.ZipFile, manifest: Manifest, where: str) -> list[memory_io.Entry]:
    entries = []
    checksum = canonical.Checksum()
    with container.member(archive, MEMORY, where) as stream:
        for data in stream:
            checksum.add(data)
            try:
                key, partition, value, expires_at = json.loads(data)
            except ValueError:
                raise BackupCorrupt(f"{where}: the memory entries are damaged") from None
            entries.append((key, partition, value, expires_at))
    expected = manifest.memory
    if checksum.rows != expected.get("entries") or checksum.hexdigest() != expected.get("checksum"):
        raise BackupCorrupt(f"{where}: the memory entries are damaged (checksum differs)")
    return entries


def _write_memory(
    url: str, memory: list[memory_io.Entry], manifest: Manifest, force: bool, prefix: str
) -> memory_io.Journal:
    """Write (and verify) the memory entries, refusing a store that holds some unless
    ``force``; the journal undoes it all if a later step fails."""
    journal = memory_io.Journal(url, manifest.memory["namespace"], prefix)
    with journal.open() as store:
        if not force and store.list_keys():
            raise TargetNotEmpty(
                f"{redact(url)} already holds memory under {journal.namespace!r}: import into "
                "an empty store, or add --force to replace it"
            )
        try:
            if force:
                journal.clear(store)
            journal.write(store, memory)
            _verify_memory(store, journal, memory, url)
        except BaseException:
            journal.undo()
            raise
    return journal


def _verify_memory(
    store: MemoryStore, journal: memory_io.Journal, memory: list[memory_io.Entry], url: str
) -> None:
    written = set(journal.written)
    expected = memory_io.checksum((k, p, v) for k, p, v, _ in memory if k in written)
    found = memory_io.checksum((k, p, v) for k, p, v, _ in memory_io.entries(store) if k in written)
    if (found.rows, found.hexdigest()) != (expected.rows, expected.hexdigest()):
        raise VerificationFailed(
            f"import into {redact(url)}: memory came back with {found.rows} entries "
            f"(the archive holds {expected.rows}) or different values; nothing was changed"
        )


def _prepare_schema(engine: Engine, url: str, manifest: Manifest, where: str) -> None:
    with engine.connect() as connection:
        current = tables.revision(connection)
        empty = tables.first_with_rows(connection, skip=set()) is None
    wanted = manifest.schema_revision
    if wanted is None or current == wanted:
        return
    if current is None and empty:
        runner.upgrade(engine, wanted)
        return
    raise BackupError(
        f"{where} holds schema revision {wanted}, the target {redact(url)} is at "
        f"{current or 'none'}: bring the target to {wanted} first (agentstore migrate)"
    )


def _refuse_non_empty(connection: Connection, url: str) -> None:
    occupied = tables.first_with_rows(connection, skip=tables.NOT_TABLES)
    if occupied:
        raise TargetNotEmpty(
            f"{redact(url)} already holds data ({occupied}): import into an empty database, "
            "or add --force to replace it"
        )


def _import_tables(
    engine: Engine,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    force: bool,
    progress: Progress,
) -> None:
    with engine.connect() as connection, connection.begin():
        targets = {t.name: t for t in tables.reflect(connection)}
        missing = sorted(set(manifest.tables) - set(targets))
        if missing:
            raise BackupError(f"the target has no table {missing[0]} to import {where} into")
        order = [t for t in targets.values() if t.name in manifest.tables]
        if force:
            for table in reversed(list(targets.values())):
                connection.execute(table.delete())
        for table in order:
            _load_table(connection, archive, table, manifest.tables[table.name], where, progress)
        if connection.dialect.name == "postgresql":
            for table in order:
                _reset_sequence(connection, table)
        for table in order:
            expected = manifest.tables[table.name]
            progress.show(f"verifying {table.name}", force=True)
            found = tables.summarize(connection, table, expected.columns)
            if (found.rows, found.checksum) != (expected.rows, expected.checksum):
                raise VerificationFailed(
                    f"import into {redact(str(engine.url))}: table {table.name} came back with "
                    f"{found.rows} rows (the archive holds {expected.rows}) or different "
                    "contents; nothing was changed"
                )


def _load_table(
    connection: Connection,
    archive: zipfile.ZipFile,
    table: Table,
    expected: TableSummary,
    where: str,
    progress: Progress,
) -> None:
    names = [name for name, _ in expected.columns]
    kinds = [kind for _, kind in expected.columns]
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise BackupError(f"the target's table {table.name} has no column {unknown[0]}")
    checksum = canonical.Checksum()
    with (
        container.member(archive, _member(table.name), where) as stream,
        _sink(connection, table, names, kinds) as write,
    ):
        for data in stream:
            checksum.add(data)
            try:
                write(canonical.parse(data, kinds))
            except (ValueError, TypeError):
                raise BackupCorrupt(f"{where}: table {table.name} is damaged") from None
            if checksum.rows % BATCH == 0:
                progress.show(f"importing {table.name}: {checksum.rows:,} rows")
    if (checksum.rows, checksum.hexdigest()) != (expected.rows, expected.checksum):
        raise BackupCorrupt(
            f"{where}: table {table.name} is damaged (its checksum differs from the manifest's); "
            "nothing was changed"
        )


@contextmanager
def _sink(
    connection: Connection, table: Table, names: list[str], kinds: list[str]
) -> Iterator[Callable[[list[Any]], None]]:
    """A function taking one row's values, writing them into ``table`` in this transaction.

    PostgreSQL: one ``COPY`` per table on the transaction's own driver connection (JSON
    values wrapped for psycopg); elsewhere multi-row inserts of ``BATCH`` rows.
    """
    if connection.dialect.name == "postgresql":
        json_columns = [i for i, kind in enumerate(kinds) if kind == "json"]
        statement = psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
            psycopg_sql.Identifier(table.name),
            psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, names)),
        )
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection in a transaction has its driver's
        with driver.cursor() as cursor, cursor.copy(statement) as copy:

            def write(values: list[Any]) -> None:
                for i in json_columns:
                    if values[i] is not None:
                        values[i] = Json(values[i])
                copy.write_row(values)

            yield write
        return
    insert = table.insert()
    batch: list[dict[str, Any]] = []

    def add(values: list[Any]) -> None:
        batch.append(dict(zip(names, values, strict=True)))
        if len(batch) >= BATCH:
            _flush(connection, insert, batch)

    yield add
    _flush(connection, insert, batch)


def _flush(connection: Connection, insert: Insert, batch: list[dict[str, Any]]) -> None:
    if batch:
        connection.execute(insert, batch)
        batch.clear()


def _reset_sequence(connection: Connection, table: Table) -> None:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        return
    column = keys[0].name
    connection.execute(
        text(
            "SELECT setval(pg_get_serial_sequence(:table, :column),"
            f' coalesce((SELECT max("{column}") FROM "{table.name}"), 0) + 1, false)'
        ),
        {"table": f'"{table.name}"', "column": column},
    )
