"""Relational stores for scenarios: opened on an isolated place, disposed when it ends."""

from __future__ import annotations

from typing import Protocol

import pytest

from agentstore import Database
from agentstore.db.engine import PoolSettings, SqliteSettings
from agentstore.db.sqlite_files import sqlite_path
from harness.isolation.places import Isolation


class Opener(Protocol):
    def __call__(
        self,
        backend: str,
        *,
        revision: str | None = "head",
        pool: PoolSettings | None = None,
        sqlite: SqliteSettings | None = None,
    ) -> Database: ...


@pytest.fixture
def open_database(isolation: Isolation) -> Opener:
    """Opens a store on a fresh isolated place of ``backend``.

    ``revision="head"`` gives the migrated schema (a clone of the worker's template);
    another revision migrates an empty place up to it; ``None`` leaves the place empty.
    """

    def opener(backend, *, revision="head", pool=None, sqlite=None):
        place = isolation.new(backend, migrated=revision == "head")
        path = sqlite_path(place.url)
        if path is not None and not path.exists():
            path.touch()  # an empty database exists; only a missing file is refused
        database = isolation.closing(
            Database(place.url, pool=pool, sqlite=sqlite), Database.dispose
        )
        if revision not in (None, "head"):
            database.upgrade(revision)
        return database

    return opener
