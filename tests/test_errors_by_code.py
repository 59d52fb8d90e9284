"""Errors are told apart by what the server reports as codes, never by its wording.

A PostgreSQL server may speak another language (``lc_messages``); a taken name must still be
``DuplicateName``, a missing agent ``MissingRecord``, an unmigrated database
``SchemaNotMigrated``. The server here is a throwaway one that speaks German: its locale is
compiled into a temporary folder (``localedef``) that only this server is pointed at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from agentstore import Database, errors
from agentstore.db import records
from agentstore.urls import libpq_url
from harness.servers.ladder import Provisioner, postgres_binaries

GERMAN = "de_DE.UTF-8"


@pytest.fixture(scope="module")
def german_server() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL server that can speak German (module-wide)."""
    if not shutil.which("localedef") or not Path("/usr/share/i18n/locales/de_DE").exists():
        pytest.skip("localedef or the de_DE locale source is missing")
    if not postgres_binaries():
        pytest.skip("no PostgreSQL binaries to start a throwaway server")
    folder = tempfile.mkdtemp(prefix="agentstore-locales-")
    os.chmod(folder, 0o755)  # the server runs as the postgres user
    subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", f"{folder}/{GERMAN}"],
        check=False,
        capture_output=True,
        timeout=120,
    )
    if not Path(folder, GERMAN).exists():
        pytest.skip("localedef could not compile de_DE.UTF-8")
    provisioner = Provisioner()
    before = os.environ.get("LOCPATH")
    os.environ["LOCPATH"] = folder  # inherited by this server only, through pg_ctl
    try:
        server = provisioner.spawn_postgres(postgres_binaries()[0])
    finally:
        if before is None:
            del os.environ["LOCPATH"]
        else:
            os.environ["LOCPATH"] = before
    try:
        yield server.url
    finally:
        provisioner.stop_all()
        shutil.rmtree(folder, ignore_errors=True)


def german_database(server_url: str, name: str) -> str:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = server_url.rpartition("/")[0]
    return f"{base}/{name}?options=-c%20lc_messages%3D{GERMAN}"


def test_the_server_really_speaks_german(german_server: str) -> None:
    url = german_database(german_server, "speaks")
    with psycopg.connect(libpq_url(url)) as conn, pytest.raises(psycopg.Error) as raised:
        conn.execute("SELECT 1/0")
    assert "Division durch Null" in str(raised.value)


def test_a_taken_name_and_a_missing_agent_are_told_apart_in_german(german_server: str) -> None:
    with Database(german_database(german_server, "records")) as db:
        db.upgrade()
        with db.session() as session:
            records.create_agent(session, "ada", "planner")
        with pytest.raises(errors.DuplicateName), db.session() as session:
            records.create_agent(session, "ada", "coder")
        with pytest.raises(errors.MissingRecord), db.session() as session:
            records.record_execution(session, 987654, task="orphan", status="running")


def test_a_database_never_migrated_is_named_so_in_german(german_server: str) -> None:
    with (
        Database(german_database(german_server, "bare")) as db,
        pytest.raises(errors.SchemaNotMigrated),
        db.session() as session,
    ):
        records.list_agents(session)
