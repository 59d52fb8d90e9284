"""PostgreSQL backups: ``pg_dump`` custom format in, agentstore's own schema and the data out.

Backup: a read-only snapshot is exported, counts and checksums of agentstore's tables are
taken in it, and ``pg_dump --snapshot --data-only`` dumps exactly those tables at that moment;
both go into the backup file.

Restore (the safety scheme, see SECURITY.md): the file is untrusted. Its dump's table of
contents may hold agentstore's tables only (:mod:`pg_toc`); nothing in it is run. In ONE
transaction on the target: the emptiness guard (unless ``--force``), the old agentstore
schema taken down and the schema built by agentstore's own migrations at the backup's
revision, the rows of agentstore's tables copied in (:mod:`pg_data`), the sequences set, and
every count, checksum and sequence compared with the manifest. Only then does it commit;
any failure, a kill or a lost connection leaves the target exactly as it was (a sequence
created in the transaction vanishes with it). ``pg_restore`` dies with this process, and the
dump's copy is an unnamed file that vanishes with it too (:mod:`children`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import Connection, MetaData, exc

from agentstore.auth import authentication_failed, is_postgres_auth
from agentstore.backup import (
    children,
    container,
    known,
    pg_checks,
    pg_data,
    pg_indexes,
    pg_toc,
    portable_file,
)
from agentstore.backup.manifest import Manifest
from agentstore.backup.pg_tools import Tools, tools_for
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.db.engine import make_engine
from agentstore.errors import (
    AgentstoreError,
    BackendUnavailable,
    BackupCorrupt,
    BackupError,
    BackupTooNew,
    TargetNotEmpty,
    ToolsMismatch,
)
from agentstore.migrations import runner
from agentstore.urls import BackendURL, manifest_source

DUMP = "database.dump"
APPLICATION = "agentstore-restore"
LOST_CONNECTION = (
    "terminating connection",
    "server closed the connection",
    "connection to server",
    "consuming input failed",
)


def _connect(url: BackendURL) -> psycopg.Connection:
    try:
        return psycopg.connect(url.libpq, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as error:
        if is_postgres_auth(error):
            raise authentication_failed(url) from None
        first = " ".join(str(error).strip().splitlines()[0].split()) if str(error) else ""
        raise BackendUnavailable(f"cannot reach {url.redacted}: {first}") from None


def _client_env(url: BackendURL) -> tuple[str, dict[str, str]]:
    """The connection string for the client programs, the password moved to the environment."""
    params = conninfo_to_dict(url.libpq)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _run(command: list[str], env: dict[str, str], what: str, stdout: IO[bytes]) -> None:
    done = children.run(command, env=env, stdout=stdout)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {_first_error(done.stderr.decode(errors='replace'))}")


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "ERROR:" in line or "FATAL:" in line or "error:" in line:
            return " ".join(line.split())[:300]
    return " ".join(lines[0].split())[:300] if lines else "no message"


def backup(url: BackendURL, out: str | os.PathLike[str], progress: Progress = QUIET) -> Summary:
    """Dump agentstore's tables of the database at ``url`` into the backup file ``out``."""
    summary = Summary("backup", f"{url.redacted} -> {out}")
    with _connect(url) as connection:
        major = connection.info.server_version // 10000
        tools = tools_for(major, action="dump")
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = pg_checks.one_row(connection, sql.SQL("SELECT pg_export_snapshot()"))[0]
        revision = _revision(connection, url)
        names = sorted(known.tables_at(revision) & set(pg_checks.public_tables(connection)))
        with (
            children.scratch_file() as dump,
            ThreadPoolExecutor(1, thread_name_prefix="pg-checksums") as helper,
        ):
            # The checksums read the same snapshot on this connection while pg_dump runs.
            progress.show(f"dumping with pg_dump {tools.major} and checksumming", force=True)
            checked = helper.submit(pg_checks.summarize, connection, names)
            conninfo, env = _client_env(url)
            try:
                _run(
                    [
                        tools.pg_dump,
                        "--format=custom",
                        "--data-only",
                        "--encoding=UTF8",
                        f"--snapshot={snapshot}",
                        *[f"--table=public.{name}" for name in names if name != known.BOOKKEEPING],
                        f"--dbname={conninfo}",
                    ],
                    env,
                    "pg_dump",
                    dump,
                )
            finally:
                tables, sequences = checked.result()
            connection.execute("ROLLBACK")
            manifest = Manifest(
                kind="postgres-dump",
                source_backend="postgres",
                source_url=manifest_source(url),
                schema_revision=revision,
                tables=tables,
                server_major=major,
                sequences=sequences,
                tools_major=tools.major,
            )
            dump.seek(0)
            with portable_file.writing(out) as archive:
                archive.writestr(container.MANIFEST, manifest.to_json())
                with archive.open(DUMP, "w", force_zip64=True) as member:
                    while chunk := dump.read(1 << 20):
                        member.write(chunk)
    progress.done()
    return summary.held(manifest, out)


def _revision(connection: psycopg.Connection[Any], url: BackendURL) -> str:
    """The source's schema revision; ``BackupError`` when it holds no agentstore schema."""
    row = None
    if "alembic_version" in pg_checks.public_tables(connection):
        row = connection.execute("SELECT version_num FROM public.alembic_version").fetchone()
    if row is None:
        raise BackupError(
            f"{url.redacted} holds no agentstore schema, so there is nothing to back up "
            "(run `agentstore migrate up` first)"
        )
    runner.check_target(row[0])
    return str(row[0])


def restore(
    url: BackendURL,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    *,
    force: bool = False,
    progress: Progress = QUIET,
) -> Summary:
    """Restore a PostgreSQL backup into ``url`` in one verified transaction."""
    summary = Summary("restore", f"{where} -> {url.redacted}")
    revision = known.check_tables(set(manifest.tables), manifest.schema_revision, where)
    tables = known.tables_at(revision)
    with _connect(url) as probe:
        major = probe.info.server_version // 10000
    source = manifest.server_major or major
    if source > major:
        raise BackupTooNew(
            f"{where} comes from PostgreSQL {source}, newer than the target's PostgreSQL "
            f"{major}: restore it into PostgreSQL {source} or newer"
        )
    tools = _restore_tools(major, manifest.tools_major or source, where)
    with children.scratch_file() as dump, children.scratch_file() as listing:
        progress.show("reading the backup", force=True)
        with container.member(archive, DUMP, where) as stream:
            shutil.copyfileobj(stream, dump, 1 << 20)
        dump.flush()
        entries = _table_of_contents(tools, dump, where)
        data = pg_toc.data_entries(entries, set(tables) - {known.BOOKKEEPING}, where)
        progress.show(f"restoring and verifying with pg_restore {tools.major}", force=True)
        _restore_in_one_transaction(
            url, revision, manifest, where, force, (tools, dump, listing, data), progress
        )
    progress.done()
    assert archive.filename is not None  # container.open_backup opens a path
    return summary.held(manifest, archive.filename)


def _table_of_contents(tools: Tools, dump: IO[bytes], where: str) -> list[pg_toc.Entry]:
    done = children.run(
        [tools.pg_restore, "--list", children.child_path(dump)], pass_fds=(dump.fileno(),)
    )
    if done.returncode != 0:
        raise BackupCorrupt(f"{where}: {DUMP} is damaged (pg_restore cannot read it)")
    try:
        return pg_toc.parse(done.stdout.decode(), where)
    except UnicodeDecodeError:
        raise BackupCorrupt(f"{where}: the dump's table of contents is damaged") from None


def _restore_tools(target_major: int, dumped_by: int, where: str) -> Tools:
    tools = tools_for(target_major, action="restore")
    if tools.major < dumped_by:
        raise ToolsMismatch(
            f"pg_restore {tools.major} cannot read {where}, written by pg_dump {dumped_by}; "
            f"install postgresql-client-{dumped_by}"
        )
    return tools


def _refuse_non_empty(connection: psycopg.Connection[Any], url: BackendURL) -> None:
    for table in pg_checks.public_tables(connection):
        if table == known.BOOKKEEPING:
            continue
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM public.{})").format(sql.Identifier(table))
        if pg_checks.one_row(connection, query)[0]:
            raise TargetNotEmpty(
                f"{url.redacted} already holds data ({table}): restore into an empty database, "
                "or add --force to replace it"
            )


Source = tuple[Tools, IO[bytes], IO[bytes], dict[str, pg_toc.Entry]]


def _restore_in_one_transaction(
    url: BackendURL,
    revision: str,
    manifest: Manifest,
    where: str,
    force: bool,
    source: Source,
    progress: Progress,
) -> None:
    engine = make_engine(url)
    shown = url.redacted
    try:
        with engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)  # agentstore's PostgreSQL driver
            driver.execute(sql.SQL("SET application_name = {}").format(sql.Literal(APPLICATION)))
            if not force:
                _refuse_non_empty(driver, url)
            runner.move_in(connection, "base")
            runner.move_in(connection, revision)
            order = _parents_first(connection, set(manifest.tables) - {known.BOOKKEEPING})
            with pg_indexes.built_after(driver, order):
                _load(driver, order, source, where, progress)
            _set_sequences(driver, manifest, order, where)
            progress.show("verifying", force=True)
            pg_checks.verify(driver, manifest.tables, shown)
            pg_checks.sequences_ahead(driver, shown)
            connection.commit()
    except AgentstoreError:
        raise
    except (exc.DBAPIError, psycopg.Error) as error:
        raise _failure(shown, error) from None
    finally:
        engine.dispose()


def _failure(where: str, error: BaseException) -> AgentstoreError:
    cause = getattr(error, "orig", None) or error
    first = " ".join(str(cause).strip().split("\n")[0].split())[:300] or type(cause).__name__
    if any(sign in first.lower() for sign in LOST_CONNECTION):
        return BackendUnavailable(
            f"lost the connection to {where} during the restore; nothing was changed ({first})"
        )
    return BackupError(f"restore into {where} failed and was rolled back: {first}")


def _parents_first(connection: Connection, names: set[str]) -> list[str]:
    """The tables in an order where every parent is loaded before its children."""
    meta = MetaData()
    meta.reflect(connection, only=sorted(names))
    return [table.name for table in meta.sorted_tables]


def _load(
    driver: psycopg.Connection[Any],
    order: list[str],
    source: Source,
    where: str,
    progress: Progress,
) -> None:
    tools, dump, listing, data = source
    listing.write("".join(data[name].line + "\n" for name in order if name in data).encode())
    listing.flush()
    columns = {name: _columns_of(driver, name) for name in order}
    script = children.spawn(
        [
            tools.pg_restore,
            "--data-only",
            f"--use-list={children.child_path(listing)}",
            "--file=-",
            children.child_path(dump),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(dump.fileno(), listing.fileno()),
    )
    try:
        assert script.stdout is not None  # a pipe
        pg_data.load(script.stdout, driver, columns, where, lambda text: progress.show(text))
    except BaseException:
        script.kill()
        script.communicate()
        raise
    _, errors = script.communicate()
    if script.returncode != 0:
        raise BackupCorrupt(
            f"{where}: {DUMP} is damaged ({_first_error(errors.decode(errors='replace'))})"
        )


def _columns_of(driver: psycopg.Connection[Any], table: str) -> list[str]:
    rows = driver.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    return [name for (name,) in rows]


def _set_sequences(
    driver: psycopg.Connection[Any], manifest: Manifest, order: list[str], where: str
) -> None:
    """Each sequence where the backup saw it: all of them created in this transaction, so a
    rollback takes them away with it (``setval`` itself is not transactional)."""
    owned = pg_checks.owned_sequences(driver, order)
    if set(manifest.sequences) != set(owned):
        raise BackupCorrupt(f"{where}: its sequences are not agentstore's")
    for name, position in sorted(manifest.sequences.items()):
        if (
            not isinstance(position, list)
            or len(position) != 2
            or type(position[0]) is not int
            or type(position[1]) is not bool
            or not 1 <= position[0] < 2**63
        ):
            raise BackupCorrupt(f"{where}: the position of sequence {name} is damaged")
        driver.execute(
            sql.SQL("SELECT setval({}, %s, %s)").format(sql.Literal(f"public.{name}")),
            (position[0], position[1]),
        )
