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
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agentstore import errors
from agentstore.asyncio.connections import Connections, Entry, SharedReaders
from agentstore.asyncio.protocol import AsyncStoreLifecycle
from agentstore.db.engine import SqliteSettings, apply_sqlite_pragmas, postgres_options
from agentstore.memory import patterns
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.sql_backend import (
    Retry,
    SqlFailures,
    _by_key,
    _live,
    has_memory_table,
    not_migrated,
    unreachable,
)
from agentstore.memory.sql_statements import Sql, SqlDialect, Statements, build
from agentstore.memory.validation import (
    can_match,
    canonical,
    check_increment,
    check_key,
    check_partition,
    check_store,
    check_ttl,
    decode,
    encode_sized,
    refused_increment,
    unique_keys,
)
from agentstore.urls import BackendURL

#: What a statement hands back: nothing, its first row, all rows, or how many rows it changed.
ONE, ALL, COUNT = "one", "all", "count"


class PostgresDriver:
    """psycopg's ``AsyncConnection``: autocommit, a cursor kept per connection."""

    #: psycopg runs one statement at a time per connection: reads take one like writes.
    shared_readers = 0

    @staticmethod
    def stale(driver: Any) -> bool:
        """The sync store's test: did the server already end this idle connection?"""
        from agentstore.memory.sql_postgres import _stale

        return _stale(driver)

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


async def open_sql(url: BackendURL, namespace: str, prefix: str) -> SqlMemory:
    """An async memory store in a migrated PostgreSQL database or SQLite file."""
    engine, driver, limit, timeout, value_errors = sql_engine(url)
    await _check_schema(engine, url, timeout)
    return SqlMemory(url, engine, driver, value_errors, namespace, prefix, limit, timeout)


def sql_engine(
    url: BackendURL,
) -> tuple[AsyncEngine, Any, int, float, tuple[type, ...]]:
    """The async engine for ``url``, its driver, the connection limit, the wait for a free
    connection and the driver errors that mean a value cannot take a change."""
    if url.backend == "postgres":
        import psycopg

        from agentstore.memory.sql_postgres import DEFAULT_POOL as MEMORY_POOL

        engine = create_async_engine(url.sqlalchemy_async, **postgres_options(MEMORY_POOL))
        limit = MEMORY_POOL.pool_size + MEMORY_POOL.max_overflow
        return engine, PostgresDriver(engine), limit, MEMORY_POOL.pool_timeout, (psycopg.DataError,)
    from agentstore.db.sqlite_files import sqlite_file_must_exist
    from agentstore.memory.sql_sqlite import SQLITE_CONNECTIONS

    sqlite_file_must_exist(url)
    target, settings = url.sqlalchemy_async, SqliteSettings()
    engine = create_async_engine(target, connect_args={"timeout": settings.busy_timeout_ms / 1000})
    apply_sqlite_pragmas(engine.sync_engine, settings, in_memory=target.endswith(":///:memory:"))
    return engine, SqliteDriver(engine), SQLITE_CONNECTIONS, 30.0, ()


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


class SqlMemory(SqlFailures, AsyncStoreLifecycle):
    """An ``AsyncMemoryStore`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

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
        self._scope = patterns.prefix_to_like(namespace + "/")
        self._sql: Statements = build(driver.dialect)
        self.wait_timeout = timeout
        self._connections = Connections(
            engine, driver.prepare, limit=limit, timeout=timeout, stale=driver.stale
        )
        self._readers = (
            SharedReaders(engine, driver.prepare, size=driver.shared_readers)
            if driver.shared_readers
            else None
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        params["p_prefix"] = self.prefix
        params["p_namespace"] = self._scope
        return params

    async def _run(
        self,
        sql: Sql,
        params: dict[str, Any],
        fetch: str | None = None,
        retry: Retry = Retry.ALWAYS,
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

    async def _read(self, sql: Sql, params: dict[str, Any], fetch: str) -> Any:
        """Run a read: on a shared reader where the driver has them, else as any statement."""
        readers = self._readers
        if readers is None:
            return await self._run(sql, params, fetch)
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

    def _row(
        self, key: str, text: str, size: int, ttl: float | None, partition: str
    ) -> dict[str, Any]:
        return {
            "p_prefix": self.prefix,
            "p_key": key,
            "p_partition": partition,
            "p_value": text,
            "p_size": size,
            "p_ttl": ttl,
        }

    # -- the MemoryStore API, as coroutines -------------------------------------------------

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, size, ttl = check_store(key, value, ttl, partition, self.namespace)
        await self._run(self._sql.upsert, self._row(key, text, size, ttl, partition))

    async def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        ttl = check_ttl(ttl)
        check_partition(partition)
        rows = [
            self._row(check_key(key, self.namespace), *encode_sized(value), ttl, partition)
            for key, value in mapping.items()
        ]
        if not rows:
            return
        # One lock order for every writer (sorted keys), as the sync store.
        rows.sort(key=_by_key)
        upsert = self._sql.upsert
        await self._batch(upsert, [upsert.args(row) for row in rows])

    async def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        row = await self._read(self._sql.get, {"p_prefix": self.prefix, "p_key": key}, ONE)
        return default if row is None else decode(row[0])

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = unique_keys(keys, self.namespace)
        if not wanted:
            return {}
        rows = await self._read(
            self._sql.get_many,
            {"p_prefix": self.prefix, "p_keys": self._dialect.keys_param(wanted)},
            ALL,
        )
        return {key: decode(text) for key, text in rows}

    async def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        rows = await self._run(self._sql.delete, {"p_prefix": self.prefix, "p_key": key}, ALL)
        return _live(rows) == 1

    async def exists(self, key: str) -> bool:
        check_key(key, self.namespace)
        row = await self._read(self._sql.exists, {"p_prefix": self.prefix, "p_key": key}, ONE)
        return row is not None

    async def ttl(self, key: str) -> float | None:
        check_key(key, self.namespace)
        row = await self._read(self._sql.ttl_left, {"p_prefix": self.prefix, "p_key": key}, ONE)
        if row is None:
            raise KeyError(key)
        return None if row[0] is None else max(float(row[0]), 0.0)

    async def search(self, pattern: str) -> dict[str, Any]:
        if not can_match(pattern, "search pattern"):
            return {}
        rows = await self._read(
            self._sql.search, self._params(p_pattern=patterns.glob_to_like(pattern)), ALL
        )
        return {key: decode(text) for key, text in sorted(rows)}

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        params = self._params(p_pattern=patterns.prefix_to_like(scoped))
        if partition is None:
            rows = await self._read(self._sql.list_keys, params, ALL)
        else:
            params["p_partition"] = check_partition(partition)
            rows = await self._read(self._sql.list_partition_keys, params, ALL)
        # Sorted here, by code point: database collations differ, Python's order does not.
        return sorted(row[0] for row in rows)

    async def clear_partition(self, partition: str) -> int:
        rows = await self._run(
            self._sql.clear_partition, self._params(p_partition=check_partition(partition)), ALL
        )
        return _live(rows)

    async def stats(self) -> MemoryStats:
        rows = await self._read(self._sql.stats, self._params(), ALL)
        partitions = {name: int(count) for name, count, _ in sorted(rows)}
        return MemoryStats(
            keys=sum(partitions.values()),
            bytes=sum(int(size) for _, _, size in rows),
            partitions=partitions,
        )

    async def increment(self, key: str, by: int = 1) -> int:
        check_key(key, self.namespace)
        check_increment(by)
        start = str(by)
        params = {
            "p_prefix": self.prefix,
            "p_key": key,
            "p_start": start,
            "p_size": len(start),
            "p_by": by,
        }
        try:
            row = await self._run(self._sql.increment, params, ONE, Retry.IF_NEVER_RAN)
        except errors.InvalidValue:  # PostgreSQL's bigint overflowed: nothing changed
            row = None
        if row is None:
            raise refused_increment(key, by, await self.retrieve(key)) from None
        return int(row[0])

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None = None
    ) -> bool:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        params = self._row(key, *encode_sized(new), check_ttl(ttl), "default")
        del params["p_partition"]  # a swap keeps the key's partition
        if expected is None:  # absent, expired or holding null: one atomic statement
            row = await self._run(self._sql.cas_insert, params, ONE, Retry.IF_NEVER_RAN)
            return row is not None
        key_params = {"p_prefix": self.prefix, "p_key": key}
        while True:
            row = await self._read(self._sql.get, key_params, ONE)
            if row is None or (row[0] != wanted and canonical(decode(row[0])) != wanted):
                return False
            # As the sync store: swap only if the exact text read is still there.
            params["p_expected"] = row[0]
            swapped = await self._run(self._sql.cas_update, params, ONE, Retry.IF_NEVER_RAN)
            if swapped is not None:
                return True

    async def cleanup_expired(self) -> int:
        return max(int(await self._run(self._sql.cleanup, self._params(), COUNT)), 0)

    async def close(self) -> None:
        if self._readers is not None:
            await self._readers.close()
        await self._connections.close()
        await self._engine.dispose()
