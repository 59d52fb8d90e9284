"""The SQL memory for asyncio: PostgreSQL through psycopg's async connections, SQLite through
aiosqlite, both opened by SQLAlchemy's asyncio extension.

Statements are the sync backend's own (``sql_statements`` compiled by ``PostgresDialect`` /
``SqliteDialect``), run on driver connections the store keeps (see :mod:`connections`), in
autocommit: one operation, one atomic statement, one round trip. Validation, failure
translation and the schema check are the sync backend's too. A call cancelled mid-statement
leaves the row as it was or as asked (never half of it), and its connection is settled
(rolled back if a batch was open) and given back, or thrown away if its state is unknown.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agentstore.asyncio.connections import Connections, Entry, SharedReaders
from agentstore.asyncio.memory_shell import AsyncMemory
from agentstore.db.engine import (
    PoolSettings,
    SqliteSettings,
    apply_sqlite_pragmas,
    postgres_options,
)
from agentstore.driving import ALL, COUNT, ONE, Batch, Retry, Statement
from agentstore.memory.sql_backend import SqlFailures, has_memory_table, not_migrated, unreachable
from agentstore.memory.sql_operations import SqlOperations
from agentstore.memory.sql_statements import Sql, SqlDialect
from agentstore.urls import BackendURL

__all__ = ["ALL", "COUNT", "ONE", "SqlMemory", "open_sql", "sql_engine"]


class PostgresDriver:
    """psycopg's ``AsyncConnection``: autocommit, a cursor kept per connection."""

    #: psycopg runs one statement at a time per connection: reads take one like writes.
    shared_readers = 0

    @staticmethod
    def stale(driver: Any) -> bool:
        """The sync store's test: did the server already end this idle connection?"""
        from agentstore.memory.sql_postgres import ended_by_server

        return ended_by_server(driver)

    def __init__(self, engine: AsyncEngine) -> None:
        from agentstore.memory.sql_postgres import PostgresDialect

        self.dialect: SqlDialect = PostgresDialect(engine.dialect)

    @staticmethod
    async def prepare(driver: Any) -> Any:
        await driver.set_autocommit(True)
        return driver.cursor()

    @staticmethod
    async def run(entry: Entry, text: str, args: Any, fetch: str | None) -> Any:
        cursor = entry[2]
        await cursor.execute(text, args)
        if fetch == ONE:
            return await cursor.fetchone()
        if fetch == ALL:
            return await cursor.fetchall()
        return cursor.rowcount if fetch == COUNT else None

    @staticmethod
    async def run_many(entry: Entry, text: str, rows: list[Any]) -> None:
        async with entry[1].transaction():
            await entry[2].executemany(text, rows)

    @staticmethod
    async def settle(driver: Any) -> bool:
        """Make a connection a cancelled call left behind idle again; False if it cannot be."""
        from psycopg.pq import TransactionStatus

        status = driver.info.transaction_status
        if status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            await driver.rollback()
            status = driver.info.transaction_status
        return bool(status == TransactionStatus.IDLE)


class SqliteDriver:
    """aiosqlite's ``Connection``: autocommit; reads fetch in the same hop as they execute."""

    #: Connections reads share (``SharedReaders``), besides the writers' own.
    shared_readers = 4
    stale = None

    def __init__(self, engine: AsyncEngine) -> None:
        from agentstore.memory.sql_sqlite import SqliteDialect

        self.dialect: SqlDialect = SqliteDialect()

    @staticmethod
    async def prepare(driver: Any) -> Any:
        from agentstore.memory.sql_sqlite import MEMORY_PRAGMAS

        driver.isolation_level = None  # autocommit: each single statement is its own transaction
        for pragma in MEMORY_PRAGMAS:
            await driver.execute(pragma)
        return await driver.cursor()

    @staticmethod
    async def run(entry: Entry, text: str, args: Any, fetch: str | None) -> Any:
        if fetch == ONE:
            rows = await entry[1].execute_fetchall(text, args)
            return rows[0] if rows else None
        if fetch == ALL:
            return list(await entry[1].execute_fetchall(text, args))
        cursor = entry[2]
        await cursor.execute(text, args)
        return cursor.rowcount if fetch == COUNT else None

    @staticmethod
    async def run_many(entry: Entry, text: str, rows: list[Any]) -> None:
        cursor = entry[2]
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read transaction.
        await cursor.execute("BEGIN IMMEDIATE")
        try:
            await cursor.executemany(text, rows)
        except BaseException:
            await asyncio.shield(cursor.execute("ROLLBACK"))
            raise
        await cursor.execute("COMMIT")

    @staticmethod
    async def settle(driver: Any) -> bool:
        # Like psycopg's cancel request: stop the statement still running on aiosqlite's
        # thread (say, waiting for another writer's lock), so a cancelled write does not land
        # later; then roll back a batch it may have left open (a no-op otherwise). aiosqlite
        # runs calls in order, so the rollback waits for the interrupted statement to end.
        await driver.interrupt()
        await driver.rollback()
        return not driver.in_transaction


async def open_sql(
    url: BackendURL, namespace: str, prefix: str, pool: PoolSettings | None = None
) -> SqlMemory:
    """An async memory store in a migrated PostgreSQL database or SQLite file; ``pool`` as
    for the sync store (its size caps the connections, its timeout the wait for one)."""
    engine, driver, limit, timeout, value_errors = sql_engine(url, pool)
    await _check_schema(engine, url, timeout)
    return SqlMemory(url, engine, driver, value_errors, namespace, prefix, limit, timeout)


def sql_engine(
    url: BackendURL, pool: PoolSettings | None = None
) -> tuple[AsyncEngine, Any, int, float, tuple[type, ...]]:
    """The async engine for ``url``, its driver, the connection limit, the wait for a free
    connection and the driver errors that mean a value cannot take a change; ``pool`` as
    for the sync store, its defaults the sync store's."""
    if url.backend == "postgres":
        import psycopg

        from agentstore.memory.sql_postgres import DEFAULT_POOL

        pool = dataclasses.replace(pool or DEFAULT_POOL, pool_pre_ping=False)
        engine = create_async_engine(url.sqlalchemy_async, **postgres_options(pool))
        limit = pool.pool_size + pool.max_overflow
        return engine, PostgresDriver(engine), limit, pool.pool_timeout, (psycopg.DataError,)
    from agentstore.db.sqlite_files import sqlite_file_must_exist
    from agentstore.memory.sql_sqlite import SQLITE_CONNECTIONS

    sqlite_file_must_exist(url)
    limit, timeout = SQLITE_CONNECTIONS, 30.0
    if pool is not None:
        limit, timeout = pool.pool_size + pool.max_overflow, pool.pool_timeout
    target, settings = url.sqlalchemy_async, SqliteSettings()
    engine = create_async_engine(target, connect_args={"timeout": settings.busy_timeout_ms / 1000})
    apply_sqlite_pragmas(engine.sync_engine, settings, in_memory=target.endswith(":///:memory:"))
    return engine, SqliteDriver(engine), limit, timeout, ()


async def _check_schema(engine: AsyncEngine, url: BackendURL, timeout: float) -> None:
    """Fail early and clearly, as the sync store does: unreachable, or never migrated."""
    try:
        async with engine.connect() as connection:
            present = await connection.run_sync(has_memory_table)
    except exc.DBAPIError as error:
        await engine.dispose()
        raise unreachable(error, url, timeout) from error
    if not present:
        await engine.dispose()
        raise not_migrated(url)


class SqlMemory(SqlFailures, AsyncMemory):
    """An ``AsyncMemoryStore`` on PostgreSQL or SQLite; ``prefix`` scopes its rows. The
    operations are the sync store's (:class:`SqlOperations`); this class awaits them."""

    def __init__(
        self,
        url: BackendURL,
        engine: AsyncEngine,
        driver: PostgresDriver | SqliteDriver,
        value_errors: tuple[type[BaseException], ...],
        namespace: str,
        prefix: str,
        limit: int,
        timeout: float,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self._engine = engine
        self._driver = driver
        self._dialect = driver.dialect
        self._value_errors = value_errors
        self._ops = SqlOperations(driver.dialect, namespace, prefix)
        self.wait_timeout = timeout
        self._connections = Connections(
            engine, driver.prepare, limit=limit, timeout=timeout, stale=driver.stale
        )
        self._readers = (
            SharedReaders(engine, driver.prepare, size=driver.shared_readers)
            if driver.shared_readers
            else None
        )

    def _perform(self, request: Statement | Batch) -> Awaitable[Any]:
        if isinstance(request, Batch):
            upsert = request.sql
            return self._batch(upsert, [upsert.args(row) for row in request.rows])
        if request.read and self._readers is not None:
            return self._read(request.sql, request.params, request.fetch)
        return self._statement(request.sql, request.params, request.fetch, request.retry)

    async def _statement(
        self, sql: Sql, params: dict[str, Any], fetch: str | None, retry: Retry
    ) -> Any:
        """Run one statement on an idle connection, and give the connection back; a failure
        is retried, or raised, exactly as the sync store decides (``SqlFailures``)."""
        attempt = 0
        while True:
            entry = await self._connections.take()
            try:
                result = await self._driver.run(entry, sql.text, sql.args(params), fetch)
            except Exception as error:
                attempt += 1
                await self._recover(entry, error, attempt, retry)
                continue
            except BaseException:  # cancelled: settle the connection, whatever happens next
                await asyncio.shield(self._settle(entry))
                raise
            self._connections.give(entry)
            return result

    async def _batch(self, sql: Sql, rows: list[Any]) -> None:
        """Run ``sql`` once per row in one transaction, retried whole when it rolled back."""
        attempt = 0
        while True:
            entry = await self._connections.take()
            try:
                await self._driver.run_many(entry, sql.text, rows)
            except Exception as error:
                attempt += 1
                await self._recover(entry, error, attempt, Retry.ALWAYS)
                continue
            except BaseException:
                await asyncio.shield(self._settle(entry))
                raise
            self._connections.give(entry)
            return

    async def _read(self, sql: Sql, params: dict[str, Any], fetch: str | None) -> Any:
        """Run a read on a shared reader."""
        readers = self._readers
        assert readers is not None, "only drivers with shared readers read on them"
        attempt = 0
        while True:
            driver = await readers.pick()
            try:
                rows = await readers.read(driver, sql.text, sql.args(params))
            except Exception as error:
                attempt += 1
                lost = self._lost(error, readers.fairy(driver))
                if lost:
                    await readers.discard(driver)
                await asyncio.sleep(self._verdict(error, lost, attempt, Retry.ALWAYS))
                continue
            if fetch == ONE:
                return rows[0] if rows else None
            return rows

    async def _recover(self, entry: Entry, error: Exception, attempt: int, retry: Retry) -> None:
        """Give back the connection a statement failed on; return to try again, or raise."""
        lost = self._lost(error, entry[0])
        if lost:
            await self._connections.discard(entry)
        else:
            await asyncio.shield(self._settle(entry))
        await asyncio.sleep(self._verdict(error, lost, attempt, retry))

    async def _settle(self, entry: Entry) -> None:
        try:
            driver = entry[1]
            broken = getattr(driver, "broken", False) or getattr(driver, "closed", False)
            idle = not broken and await self._driver.settle(driver)
        except Exception:
            idle = False
        if idle:
            self._connections.give(entry)
        else:
            await self._connections.discard(entry)

    async def close(self) -> None:
        if self._readers is not None:
            await self._readers.close()
        await self._connections.close()
        await self._engine.dispose()
