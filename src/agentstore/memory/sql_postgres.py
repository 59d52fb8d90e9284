"""PostgreSQL's part of the SQL memory backend: its clock, upsert, integer test and key lists."""

from __future__ import annotations

import dataclasses
import select
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Double,
    String,
    Text,
    any_,
    cast,
    literal_column,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from agentstore.db.engine import PoolSettings, make_engine
from agentstore.memory.sql_backend import SqlMemory
from agentstore.memory.sql_statements import Sql
from agentstore.urls import BackendURL


class PostgresDialect:
    name = "postgres"

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect

    @property
    def key(self) -> Hashable:
        # What SQLAlchemy's compiler reads: the driver's dialect, its parameter style and,
        # once it has connected, the server's version.
        d = self._dialect
        return (type(self), type(d), d.paramstyle, getattr(d, "server_version_info", None))

    def now(self) -> ColumnElement[float]:
        # The server's clock, fixed for the statement: every client judges expiry alike.
        return literal_column("EXTRACT(EPOCH FROM statement_timestamp())::float8", Double)

    def insert(self, table: Any) -> Any:
        return postgresql.insert(table)

    def is_integer_text(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        # Up to 19 digits, as many as bigint holds; a 19-digit text beyond bigint, or a sum
        # that overflows, makes the cast below raise DataError, which changes nothing.
        return column.regexp_match(literal_column("'^-?[0-9]{1,19}$'"))

    def add_integer(self, column: ColumnElement[str], by: Any) -> ColumnElement[str]:
        return cast(cast(column, BigInteger) + cast(by, BigInteger), Text)

    def sum_fits(self, column: ColumnElement[str], by: Any) -> ColumnElement[bool]:
        # bigint arithmetic raises on overflow instead of returning a wrong sum.
        return true()

    def key_in(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        from sqlalchemy import bindparam

        return column == any_(bindparam(name, type_=postgresql.ARRAY(String)))

    def keys_param(self, keys: list[str]) -> Any:
        return keys

    def compile(self, statement: ClauseElement) -> Sql:
        # psycopg binds a dict of named (pyformat) parameters directly.
        return Sql(str(statement.compile(dialect=self._dialect)), _same)


def _same(params: dict[str, Any]) -> dict[str, Any]:
    return params


def _prepare(driver: Any) -> None:
    # One statement, one round trip: each write commits by itself.
    driver.autocommit = True


def ended_by_server(driver: Any) -> bool:
    """Whether the server already spoke on this idle connection, which it only does to end
    it ("terminating connection ..."), or closed it: a poll of the socket, no round trip."""
    if driver.closed or driver.broken:
        return True
    try:
        readable, _, _ = select.select([driver.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):
        return True
    return bool(readable)


@contextmanager
def _transaction(driver: Any, _cursor: Any) -> Iterator[None]:
    with driver.transaction():
        yield


#: SQLAlchemy's QueuePool holds a store's connections: at most 10, a thread beyond waits up to
#: pool_timeout. No pre-ping round trip: ``ended_by_server`` checks a connection at checkout.
DEFAULT_POOL = PoolSettings(pool_size=10, max_overflow=0, pool_pre_ping=False, connect_timeout=3)


def open_postgres(
    url: BackendURL, namespace: str, prefix: str, pool: PoolSettings | None = None
) -> SqlMemory:
    """A memory store in a migrated PostgreSQL database."""
    pool = dataclasses.replace(pool or DEFAULT_POOL, pool_pre_ping=False)
    engine = make_engine(url, pool)
    return SqlMemory(
        url,
        engine,
        PostgresDialect(engine.dialect),
        _prepare,
        _transaction,
        (psycopg.DataError,),
        namespace,
        prefix,
        wait_timeout=pool.pool_timeout,
        stale=ended_by_server,
    )
