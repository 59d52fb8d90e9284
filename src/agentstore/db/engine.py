"""Engines: pool settings for PostgreSQL, pragmas for SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event

from agentstore.urls import BackendURL, parse


@dataclass(frozen=True)
class PoolSettings:
    """Connection-pool settings for PostgreSQL (``Database`` on SQLite ignores them).

    Public as ``agentstore.PoolSettings``: ``Database(url, pool=PoolSettings(pool_size=20))``.
    """

    pool_size: int = 10
    max_overflow: int = 20
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    pool_pre_ping: bool = True
    connect_timeout: int = 5


@dataclass(frozen=True)
class SqliteSettings:
    """Pragmas applied to every SQLite connection."""

    busy_timeout_ms: int = 5000
    journal_mode: str = "wal"


def make_engine(
    url: str | BackendURL,
    pool: PoolSettings | None = None,
    sqlite: SqliteSettings | None = None,
    *,
    sqlite_pool: PoolSettings | None = None,
) -> Engine:
    """An engine for ``url``, configured as agentstore expects on that backend.

    ``sqlite_pool`` sizes the pool of a SQLite file's engine (SQLAlchemy's defaults otherwise).
    """
    parsed = parse(url, "postgres", "sqlite")
    target = parsed.sqlalchemy
    if parsed.backend == "postgres":
        return create_engine(target, **postgres_options(pool or PoolSettings()))
    sqlite = sqlite or SqliteSettings()
    sizes: dict[str, Any] = {}
    if sqlite_pool is not None and target not in ("sqlite://", "sqlite:///:memory:"):
        sizes = {
            "pool_size": sqlite_pool.pool_size,
            "max_overflow": sqlite_pool.max_overflow,
            "pool_timeout": sqlite_pool.pool_timeout,
        }
    engine = create_engine(target, connect_args={"timeout": sqlite.busy_timeout_ms / 1000}, **sizes)
    apply_sqlite_pragmas(engine, sqlite, in_memory=target in ("sqlite://", "sqlite:///:memory:"))

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # An in-memory database shares one driver connection per thread; never BEGIN twice.
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")

    return engine


def postgres_options(pool: PoolSettings) -> dict[str, Any]:
    """The engine options ``pool`` stands for (sync or asyncio engines alike)."""
    return {
        "pool_size": pool.pool_size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.pool_timeout,
        "pool_recycle": pool.pool_recycle,
        "pool_pre_ping": pool.pool_pre_ping,
        "connect_args": {"connect_timeout": pool.connect_timeout},
    }


def apply_sqlite_pragmas(engine: Engine, sqlite: SqliteSettings, in_memory: bool) -> None:
    """Set agentstore's pragmas on every connection ``engine`` opens (sync or asyncio)."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling starts a transaction only before a write, so
        # reads would not see one snapshot; SQLAlchemy's recipe: turn it off, BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite.busy_timeout_ms)}")
        if not in_memory:
            cursor.execute(f"PRAGMA journal_mode={sqlite.journal_mode}")
        cursor.close()
