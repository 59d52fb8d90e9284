"""``Database``: one relational store (PostgreSQL or SQLite), its sessions and its schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agentstore.db.engine import PoolSettings, SqliteSettings, make_engine
from agentstore.migrations import runner


class Database:
    """A relational agentstore: ``Database("postgresql+psycopg://…")`` or ``("sqlite:///…")``."""

    def __init__(
        self, url: str, *, pool: PoolSettings | None = None, sqlite: SqliteSettings | None = None
    ) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, pool, sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        with self._sessions.begin() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema up to ``revision``."""
        runner.upgrade(self.engine, revision)

    def downgrade(self, revision: str) -> None:
        """Migrate the schema down to ``revision`` (``"base"`` removes every table)."""
        runner.downgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The revision the database is at, or ``None`` when it was never migrated."""
        return runner.current(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()
