"""SQLite's part of the SQL memory backend: its clock, upsert, integer test and key lists."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Integer,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement, Select

from agentstore.db.engine import PoolSettings, make_engine
from agentstore.db.sqlite_files import sqlite_file_must_exist
from agentstore.memory.sql_backend import SqlMemory
from agentstore.memory.sql_statements import Sql
from agentstore.urls import BackendURL

#: Connections one SQLite store keeps at most.
SQLITE_CONNECTIONS = 8


class SqliteDialect:
    name = "sqlite"

    def __init__(self) -> None:
        # Positional parameters: sqlite3 binds a tuple faster than it looks names up.
        self._dialect = sqlite.dialect(paramstyle="qmark")

    @property
    def key(self) -> Hashable:
        # Always the same SQLAlchemy dialect, made here and never connected.
        return (type(self), "qmark")

    def now(self) -> ColumnElement[float]:
        # Seconds since the epoch from SQLite's own clock, fixed for the statement.
        return literal_column("((julianday('now') - 2440587.5) * 86400.0)", Double)

    def insert(self, table: Any) -> Any:
        return sqlite.insert(table)

    def is_integer_text(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        # The text survives a round trip through INTEGER only if it is a plain integer.
        return cast(cast(column, Integer), Text) == column

    def add_integer(self, column: ColumnElement[str], by: Any) -> ColumnElement[str]:
        return cast(cast(column, Integer) + cast(by, Integer), Text)

    def sum_fits(self, column: ColumnElement[str], by: Any) -> ColumnElement[bool]:
        # SQLite turns an overflowing integer sum into a REAL instead of raising.
        return func.typeof(cast(column, Integer) + cast(by, Integer)) == literal_column("'integer'")

    def key_in(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        # One JSON array parameter instead of a variable number of placeholders.
        keys: Select[Any] = select(literal_column("value")).select_from(
            func.json_each(bindparam(name))
        )
        return column.in_(keys.scalar_subquery())

    def keys_param(self, keys: list[str]) -> Any:
        return json.dumps(keys)

    def compile(self, statement: ClauseElement) -> Sql:
        compiled = statement.compile(dialect=self._dialect)
        names: list[str] = getattr(compiled, "positiontup", None) or []
        if len(names) == 1:
            (name,) = names
            return Sql(str(compiled), lambda params: (params[name],))
        # itemgetter picks the values in order at C speed.
        return Sql(str(compiled), itemgetter(*names) if names else lambda params: ())


#: What every memory connection runs once (shared with ``agentstore.asyncio``).
MEMORY_PRAGMAS = (
    # LIKE must be case-sensitive to agree with PostgreSQL and Redis patterns.
    "PRAGMA case_sensitive_like = ON",
    # WAL's recommended durability: commits survive a crash of the process, not of the OS.
    "PRAGMA synchronous = NORMAL",
)


def _prepare(driver: Any) -> None:
    driver.isolation_level = None  # autocommit: each single statement is its own transaction
    for pragma in MEMORY_PRAGMAS:
        driver.execute(pragma)


@contextmanager
def _transaction(_driver: Any, cursor: Any) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front: no deadlock upgrading a read transaction.
    cursor.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


def open_sqlite(
    url: BackendURL, namespace: str, prefix: str, pool: PoolSettings | None = None
) -> SqlMemory:
    """A memory store in a migrated SQLite file (a missing file is refused, never created)."""
    sqlite_file_must_exist(url)
    # SQLite writes one at a time anyway, so more connections would only queue on its lock:
    # the pool keeps a few and makes threads beyond them wait for one (up to 30 s).
    pool = pool or PoolSettings(pool_size=SQLITE_CONNECTIONS, max_overflow=0, pool_timeout=30.0)
    engine = make_engine(url, sqlite_pool=pool)
    return SqlMemory(
        url,
        engine,
        SqliteDialect(),
        _prepare,
        _transaction,
        (),
        namespace,
        prefix,
        wait_timeout=pool.pool_timeout,
    )
