"""``Database``: one relational store (PostgreSQL or SQLite), its sessions and its schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, exc
from sqlalchemy.orm import Session, sessionmaker

from agentstore.db.engine import PoolSettings, SqliteSettings, make_engine
from agentstore.db.failures import driver_failure, raise_meaning
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.errors import AgentstoreError
from agentstore.migrations import runner
from agentstore.urls import BackendURL, parse


class Database:
    """A relational agentstore: ``Database("postgresql+psycopg://…")`` or ``("sqlite:///…")``."""

    def __init__(
        self,
        url: str | BackendURL,
        *,
        pool: PoolSettings | None = None,
        sqlite: SqliteSettings | None = None,
    ) -> None:
        self.url = parse(url, "postgres", "sqlite")
        self.pool = pool or PoolSettings()
        self.engine: Engine = make_engine(self.url, self.pool, sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        Database failures surface as ``agentstore.errors`` (``DuplicateName``,
        ``MissingRecord``, ``PoolExhausted``, ``SchemaNotMigrated``...).
        """
        with self._translated(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except AgentstoreError:
            raise
        except exc.SQLAlchemyError as error:
            raise_meaning(error, driver_failure(error, self.url, self.pool.pool_timeout))

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema up to ``revision``."""
        with self._translated():
            runner.upgrade(self.engine, revision)

    def downgrade(self, revision: str) -> None:
        """Migrate the schema down to ``revision`` (``"base"`` removes every table).

        A SQLite file that does not exist is refused (``BackendUnavailable``), never created.
        """
        sqlite_file_must_exist(self.url)
        with self._translated():
            runner.downgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The revision the database is at, or ``None`` when it was never migrated.

        A SQLite file that does not exist is refused (``BackendUnavailable``), never created.
        """
        sqlite_file_must_exist(self.url)
        with self._translated():
            return runner.current(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()
