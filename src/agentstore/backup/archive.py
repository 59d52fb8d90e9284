"""The portable archive: ``export`` from any backend, ``import`` into any backend.

One zip file: ``manifest.json``, ``tables/<name>.jsonl`` (one canonical line per row, see
:mod:`canonical`) and ``memory.jsonl`` (one line per live memory entry, see
:mod:`memory_io`). A Personal Edition file moves to PostgreSQL and back this way, and memory
moves between Redis and SQL.

Import, the safety scheme: the memory part is read and every entry checked first, and
every row is checked against its column before it is written, so bad content is refused
before it can matter. On PostgreSQL and SQLite, everything happens in ONE database
transaction: migrating a never-migrated target, replacing the rows, restarting the id
sequences (``ALTER SEQUENCE ... RESTART`` is transactional), writing the memory entries
into the same database's memory table, and verifying every table's count and checksum and
the memory. Any failure, a dropped connection or a killed process rolls it all back. On
Redis the memory switches in one MULTI/EXEC (:mod:`import_memory`).
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
from sqlalchemy import Connection, Engine, Insert, Table, exc, func, inspect, select, text

from agentstore.backup import (
    canonical,
    container,
    import_memory,
    known,
    memory_io,
    portable_file,
    tables,
)
from agentstore.backup.import_checks import RowChecks
from agentstore.backup.manifest import Manifest, TableSummary
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.db.engine import make_engine
from agentstore.db.failures import one_line
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.errors import (
    BackendUnavailable,
    BackupCorrupt,
    BackupError,
    TargetNotEmpty,
    VerificationFailed,
)
from agentstore.memory import open_memory
from agentstore.migrations import runner
from agentstore.urls import BackendURL, manifest_source, scrub

MEMORY = "memory.jsonl"
BATCH = 2000


def _member(table: str) -> str:
    return f"tables/{table}.jsonl"


def _engine(url: BackendURL, *, create: bool = False) -> Engine:
    """An engine on ``url``; a missing SQLite file is refused unless ``create`` (import)."""
    if not create:
        sqlite_file_must_exist(url)
    return make_engine(url)


# Export ----------------------------------------------------------------------------------


def export(
    url: BackendURL,
    out: str | os.PathLike[str],
    *,
    namespace: str = "aqe",
    prefix: str = "",
    progress: Progress = QUIET,
) -> Summary:
    """Write every table and every live memory entry (``namespace``/``prefix``) to ``out``."""
    backend = url.backend
    summary = Summary("export", f"{url.redacted} -> {out}")
    saved: dict[str, TableSummary] = {}
    revision = None
    has_memory = backend == "redis"
    with portable_file.writing(out) as archive:
        if backend != "redis":
            engine = _engine(url)
            try:
                with engine.connect() as connection:
                    if backend == "postgres":
                        connection = connection.execution_options(isolation_level="REPEATABLE READ")
                    with connection.begin():
                        revision = tables.revision(connection)
                        ours = known.tables_at(revision) if revision else frozenset()
                        for table in tables.reflect(connection):
                            if table.name not in ours:
                                continue  # not agentstore's: it never travels
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
    return summary.held(manifest, out)


def _has_memory_table(connection: Connection) -> bool:
    return "memory_entries" in inspect(connection).get_table_names()


def _export_table(
    archive: zipfile.ZipFile, connection: Connection, table: Table, progress: Progress
) -> TableSummary:
    columns = canonical.columns_of(table)
    kinds = [kind for _, kind in columns]
    checksum = canonical.Checksum()
    chunk: list[bytes] = []
    # Counted in the export's own transaction: the total of exactly the rows it reads.
    total = int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
    step = f"exporting {table.name}"
    progress.count(step, 0, total)
    with archive.open(_member(table.name), "w", force_zip64=True) as stream:
        for row in tables.ordered_rows(connection, table):
            data = canonical.line(row, kinds)
            checksum.add(data)
            chunk.append(data)
            if len(chunk) == BATCH:
                stream.write(b"".join(chunk))
                chunk.clear()
                progress.count(step, checksum.rows, total)
        stream.write(b"".join(chunk))
    progress.count(step, checksum.rows, total)
    return TableSummary(checksum.rows, checksum.hexdigest(), columns)


def _export_memory(
    archive: zipfile.ZipFile, url: BackendURL, namespace: str, prefix: str, progress: Progress
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
            progress.count("exporting memory", file_sum.rows, None, "entries")
    return {
        "namespace": namespace,
        "prefix": prefix,
        "entries": file_sum.rows,
        "checksum": file_sum.hexdigest(),
        "content_checksum": memory_io.checksum(contents).hexdigest(),
    }


# Import ----------------------------------------------------------------------------------


def import_(
    url: BackendURL,
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
    if not isinstance(manifest.memory, dict):
        raise BackupCorrupt(f"{where} has a damaged manifest (its memory is not an object)")
    _check_tables(manifest, where)
    backend = url.backend
    summary = Summary("import", f"{where} -> {url.redacted}")
    memory = None
    if manifest.memory:
        memory = import_memory.check(
            _read_memory(archive, manifest, where),
            manifest.memory.get("namespace"),
            prefix,
            where,
        )
    rows = sum(t.rows for t in manifest.tables.values())
    if backend in ("redis", "redis_cluster"):
        if rows:
            raise BackupError(
                f"{where} holds {rows} records in {len(manifest.tables)} tables, and Redis "
                "keeps only memory: import it into PostgreSQL or SQLite"
            )
        if memory is not None:
            import_memory.write_redis(url, memory, manifest.memory["namespace"], prefix, force)
    else:
        engine = _engine(url, create=True)
        try:
            with _connected(engine, url) as connection:
                if connection.dialect.name == "sqlite":
                    # The write lock up front: no other writer slips in between our reads.
                    driver = connection.connection.driver_connection
                    assert driver is not None
                    driver.execute("BEGIN IMMEDIATE")
                with connection.begin():
                    _prepare_schema(connection, url, manifest, where)
                    if not force:
                        _refuse_non_empty(connection, url)
                    if memory is not None:
                        import_memory.write_sql(
                            connection, memory, manifest.memory["namespace"], prefix, force, url
                        )
                    _import_tables(connection, url, archive, manifest, where, force, progress)
        except exc.DBAPIError as error:
            raise _failed(error, url) from None
        finally:
            engine.dispose()
    progress.done()
    return summary.held(manifest, _file_of(archive))


def _file_of(archive: zipfile.ZipFile) -> str:
    """The path of the file ``archive`` was opened from (``container.open_backup`` opens paths)."""
    assert archive.filename is not None
    return archive.filename


def _connected(engine: Engine, url: BackendURL) -> Connection:
    """A connection, or ``BackendUnavailable`` in one line when the server cannot be reached."""
    try:
        return engine.connect()
    except exc.DBAPIError as error:
        raise BackendUnavailable(
            f"cannot reach {url.redacted}: {scrub(one_line(error.orig), url)}"
        ) from None


def _failed(error: exc.DBAPIError, url: BackendURL) -> BackupError | BackendUnavailable:
    """A database error part-way: everything was rolled back, told in one line."""
    message = f"({scrub(one_line(error.orig), url)}); nothing was changed"
    if error.connection_invalidated:
        return BackendUnavailable(f"lost {url.redacted} during the import {message}")
    return BackupError(f"import into {url.redacted} failed {message}")


def _check_tables(manifest: Manifest, where: str) -> None:
    """An archive lists exactly agentstore's tables at its revision (none without one)."""
    revision = manifest.schema_revision
    if revision is None:
        if manifest.tables:
            raise BackupCorrupt(f"{where} lists tables but no schema revision: refused")
        return
    known.check_listed(set(manifest.tables), known.tables_at(revision) - tables.NOT_TABLES, where)


def _read_memory(archive: zipfile.ZipFile, manifest: Manifest, where: str) -> list[memory_io.Entry]:
    entries = []
    checksum = canonical.Checksum()
    with container.member(archive, MEMORY, where) as stream:
        for data in stream:
            checksum.add(data)
            try:
                key, partition, value, expires_at = json.loads(data)
            except (ValueError, TypeError, RecursionError):
                raise BackupCorrupt(f"{where}: the memory entries are damaged") from None
            entries.append((key, partition, value, expires_at))
    expected = manifest.memory
    if checksum.rows != expected.get("entries") or checksum.hexdigest() != expected.get("checksum"):
        raise BackupCorrupt(f"{where}: the memory entries are damaged (checksum differs)")
    return entries


def _prepare_schema(
    connection: Connection, url: BackendURL, manifest: Manifest, where: str
) -> None:
    """Bring a never-migrated, empty target to the archive's revision, in the import's own
    transaction (so a failed import leaves it never-migrated)."""
    current = tables.revision(connection)
    wanted = manifest.schema_revision
    if wanted is None or current == wanted:
        return
    if current is None and tables.first_with_rows(connection, skip=set()) is None:
        runner.move_in(connection, wanted)
        return
    raise BackupError(
        f"{where} holds schema revision {wanted}, the target {url.redacted} is at "
        f"{current or 'none'}: bring the target to {wanted} first (agentstore migrate)"
    )


def _refuse_non_empty(connection: Connection, url: BackendURL) -> None:
    occupied = tables.first_with_rows(connection, skip=tables.NOT_TABLES)
    if occupied:
        raise TargetNotEmpty(
            f"{url.redacted} already holds data ({occupied}): import into an empty database, "
            "or add --force to replace it"
        )


def _import_tables(
    connection: Connection,
    url: BackendURL,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    force: bool,
    progress: Progress,
) -> None:
    """Replace every table's rows inside ``connection``'s transaction, verified."""
    targets = {t.name: t for t in tables.reflect(connection)}
    missing = sorted(set(manifest.tables) - set(targets))
    if missing:
        raise BackupError(f"the target has no table {missing[0]} to import {where} into")
    order = [t for t in targets.values() if t.name in manifest.tables]
    if force:
        for table in reversed(list(targets.values())):
            connection.execute(table.delete())
    parents: dict[str, set[Any]] = {}
    for table in order:
        _load_table(
            connection, archive, table, manifest.tables[table.name], where, parents, progress
        )
    parents.clear()
    if connection.dialect.name == "postgresql":
        for table in targets.values() if force else order:
            _reset_sequence(connection, table)
    for table in order:
        expected = manifest.tables[table.name]
        progress.show(f"verifying {table.name}", force=True)
        found = tables.summarize(connection, table, expected.columns)
        if (found.rows, found.checksum) != (expected.rows, expected.checksum):
            raise VerificationFailed(
                f"import into {url.redacted}: table {table.name} came back with "
                f"{found.rows} rows (the archive holds {expected.rows}) or different "
                "contents; nothing was changed"
            )


def _load_table(
    connection: Connection,
    archive: zipfile.ZipFile,
    table: Table,
    expected: TableSummary,
    where: str,
    parents: dict[str, set[Any]],
    progress: Progress,
) -> None:
    names = [name for name, _ in expected.columns]
    kinds = [kind for _, kind in expected.columns]
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise BackupError(f"the target's table {table.name} has no column {unknown[0]}")
    checks = RowChecks(table, names, kinds, connection.dialect.name, parents, where)
    checksum = canonical.Checksum()
    with (
        container.member(archive, _member(table.name), where) as stream,
        _sink(connection, table, names, kinds) as write,
    ):
        for data in stream:
            checksum.add(data)
            try:
                values = canonical.parse(data, kinds)
            except (ValueError, TypeError, RecursionError):
                raise BackupCorrupt(f"{where}: table {table.name} is damaged") from None
            checks.check(values, checksum.rows)
            write(values)
            if checksum.rows % BATCH == 0:
                progress.count(f"importing {table.name}", checksum.rows, expected.rows)
    progress.count(f"importing {table.name}", checksum.rows, expected.rows)
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
    """The table's id sequence restarts after its highest id: ``ALTER SEQUENCE ... RESTART``
    is transactional (unlike ``setval``), so it moves only if the import commits."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        return
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence(quote_ident(:table), :column)"),
        {"table": table.name, "column": keys[0].name},
    ).scalar()
    if sequence is None:
        return
    highest = connection.execute(select(func.max(keys[0]))).scalar()
    start = max(int(highest or 0) + 1, 1)
    statement = psycopg_sql.SQL("ALTER SEQUENCE {} RESTART WITH {}").format(
        psycopg_sql.Identifier(*sequence.split(".", 1)), psycopg_sql.Literal(start)
    )
    driver = connection.connection.driver_connection
    assert driver is not None  # a connection in a transaction has its driver's
    with driver.cursor() as cursor:
        cursor.execute(statement)
