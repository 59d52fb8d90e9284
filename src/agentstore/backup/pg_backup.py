"""PostgreSQL backups: ``pg_dump`` custom format in, ``pg_restore`` out, in one transaction.

Backup: a read-only snapshot is exported, counts and checksums are taken in it, and
``pg_dump --snapshot`` dumps exactly that moment; both go into the backup file.

Restore (the safety scheme): ``pg_restore`` writes the dump as SQL (``--clean --if-exists``)
and ``psql --single-transaction`` runs it between an emptiness guard (unless ``--force``) and
a verification block that compares every table's count and checksum and every sequence with
the backup's. Any failure, a difference or a lost connection rolls the whole transaction
back: the target keeps exactly what it held, and the old content is replaced only by content
already verified.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from agentstore.backup import container, pg_checks
from agentstore.backup.manifest import Manifest, TableSummary
from agentstore.backup.pg_tools import Tools, tools_for
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.errors import (
    BackendUnavailable,
    BackupError,
    BackupTooNew,
    TargetNotEmpty,
    ToolsMismatch,
    VerificationFailed,
)
from agentstore.urls import libpq_url, redact

DUMP = "database.dump"
APPLICATION = "agentstore-restore"
LOST_CONNECTION = (
    "terminating connection",
    "server closed the connection",
    "connection to server",
)


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(libpq_url(url), connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as error:
        first = " ".join(str(error).strip().splitlines()[0].split()) if str(error) else ""
        raise BackendUnavailable(f"cannot reach {redact(url)}: {first}") from None


def _client_env(url: str) -> tuple[str, dict[str, str]]:
    """The connection string for the client programs, the password moved to the environment."""
    params = conninfo_to_dict(libpq_url(url))
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {_first_error(done.stderr)}")


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "ERROR:" in line or "FATAL:" in line or "error:" in line:
            return " ".join(line.split())
    return " ".join(lines[0].split()) if lines else "no message"


def backup(url: str, out: str | os.PathLike[str], progress: Progress = QUIET) -> Summary:
    """Dump the database at ``url`` into the backup file ``out``."""
    summary = Summary("backup", f"{redact(url)} -> {out}")
    with _connect(url) as connection:
        major = connection.info.server_version // 10000
        tools = tools_for(major, action="dump")
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = pg_checks.one_row(connection, psycopg.sql.SQL("SELECT pg_export_snapshot()"))[0]
        with (
            tempfile.TemporaryDirectory(prefix="agentstore-backup-") as work,
            ThreadPoolExecutor(1, thread_name_prefix="pg-checksums") as helper,
        ):
            # The checksums read the same snapshot on this connection while pg_dump runs.
            progress.show(f"dumping with pg_dump {tools.major} and checksumming", force=True)
            checked = helper.submit(_summarize, connection)
            dump = Path(work) / DUMP
            conninfo, env = _client_env(url)
            try:
                _run(
                    [
                        tools.pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={dump}",
                        f"--dbname={conninfo}",
                    ],
                    env,
                    "pg_dump",
                )
            finally:
                tables, sequences, revision = checked.result()
            connection.execute("ROLLBACK")
            manifest = Manifest(
                kind="postgres-dump",
                source_backend="postgres",
                source_url=redact(url),
                schema_revision=revision,
                tables=tables,
                server_major=major,
                sequences=sequences,
                tools_major=tools.major,
            )
            with container.writing(out) as archive:
                archive.writestr(container.MANIFEST, manifest.to_json())
                archive.write(dump, DUMP, compress_type=zipfile.ZIP_STORED)
    progress.done()
    summary.tables = len(tables)
    summary.rows = sum(t.rows for t in tables.values())
    summary.bytes = os.path.getsize(out)
    return summary.finish()


def _summarize(
    connection: psycopg.Connection[Any],
) -> tuple[dict[str, TableSummary], dict[str, Any], str | None]:
    tables, sequences = pg_checks.summarize(connection)
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return tables, sequences, revision


def restore(
    url: str,
    archive: zipfile.ZipFile,
    manifest: Manifest,
    where: str,
    *,
    force: bool = False,
    progress: Progress = QUIET,
) -> Summary:
    """Restore a PostgreSQL backup into ``url`` in one verified transaction."""
    summary = Summary("restore", f"{where} -> {redact(url)}")
    with _connect(url) as connection:
        major = connection.info.server_version // 10000
        source = manifest.server_major or major
        if source > major:
            raise BackupTooNew(
                f"{where} comes from PostgreSQL {source}, newer than the target's PostgreSQL "
                f"{major}: restore it into PostgreSQL {source} or newer"
            )
        if not force:
            _refuse_non_empty(connection, url)
    tools = _restore_tools(major, manifest.tools_major or source, where)
    with tempfile.TemporaryDirectory(prefix="agentstore-restore-") as work:
        dump = Path(work) / DUMP
        progress.show("reading the backup", force=True)
        container.extract_to(archive, DUMP, where, dump)
        guard = Path(work) / "guard.sql"
        guard.write_text("" if force else pg_checks.empty_guard())
        verify = Path(work) / "verify.sql"
        verify.write_text(pg_checks.verify_block(manifest.tables, manifest.sequences))
        progress.show(f"restoring and verifying with pg_restore {tools.major}", force=True)
        _restore_in_one_transaction(tools, url, dump, guard, verify)
    progress.done()
    summary.tables = len(manifest.tables)
    summary.rows = sum(t.rows for t in manifest.tables.values())
    summary.bytes = archive.getinfo(DUMP).file_size
    return summary.finish()


def _restore_tools(target_major: int, dumped_by: int, where: str) -> Tools:
    tools = tools_for(target_major, action="restore")
    if tools.major < dumped_by:
        raise ToolsMismatch(
            f"pg_restore {tools.major} cannot read {where}, written by pg_dump {dumped_by}; "
            f"install postgresql-client-{dumped_by}"
        )
    return tools


def _refuse_non_empty(connection: psycopg.Connection, url: str) -> None:
    for table in pg_checks.public_tables(connection):
        if table == "alembic_version":
            continue
        query = psycopg.sql.SQL("SELECT EXISTS (SELECT 1 FROM public.{})").format(
            psycopg.sql.Identifier(table)
        )
        if pg_checks.one_row(connection, query)[0]:
            raise TargetNotEmpty(
                f"{redact(url)} already holds data ({table}): restore into an empty database, "
                "or add --force to replace it"
            )


def _restore_in_one_transaction(
    tools: Tools, url: str, dump: Path, guard: Path, verify: Path
) -> None:
    conninfo, env = _client_env(url)
    env["PGAPPNAME"] = APPLICATION
    script = subprocess.Popen(
        [
            tools.pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--file=-",
            str(dump),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        psql = subprocess.run(
            [
                tools.psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={guard}",
                "--file=-",
                f"--file={verify}",
                f"--dbname={conninfo}",
            ],
            stdin=script.stdout,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    finally:
        assert script.stdout is not None and script.stderr is not None  # both are pipes
        script.stdout.close()
        script_errors = script.stderr.read().decode(errors="replace")
        script.stderr.close()
        script.wait()
    if psql.returncode == 0 and script.returncode == 0:
        return
    _raise_restore_failure(url, psql.stderr, script_errors)


def _raise_restore_failure(url: str, psql_errors: str, script_errors: str) -> None:
    where = redact(url)
    verify = re.search(rf"{pg_checks.VERIFY_MARK}: (.*)", psql_errors)
    if verify:
        raise VerificationFailed(f"restore into {where} rolled back: {verify.group(1).strip()}")
    occupied = re.search(rf"{pg_checks.NOT_EMPTY_MARK}: (\S+)", psql_errors)
    if occupied:
        raise TargetNotEmpty(
            f"{where} already holds data ({occupied.group(1)}): restore into an empty "
            "database, or add --force to replace it"
        )
    lowered = psql_errors.lower()
    if any(sign in lowered for sign in LOST_CONNECTION):
        raise BackendUnavailable(
            f"lost the connection to {where} during the restore; nothing was changed "
            f"({_first_error(psql_errors)})"
        )
    detail = _first_error(psql_errors) if psql_errors.strip() else _first_error(script_errors)
    raise BackupError(f"restore into {where} failed and was rolled back: {detail}")
