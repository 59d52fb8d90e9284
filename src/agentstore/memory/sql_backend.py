"""The SQL memory backend, one class for PostgreSQL and SQLite: the blocking driver of the
operations in :mod:`sql_operations` (which the asyncio store drives too).

Statements come from :mod:`sql_statements` (SQLAlchemy Core, compiled once per dialect and
process) and run on driver connections from the engine's own pool (SQLAlchemy's
``QueuePool``, with a lock-free hand of idle ones on top, see ``Idle``), kept in autocommit
mode, so a single operation is one round trip: no BEGIN/COMMIT pair, no per-call
compilation. Every write is a single atomic statement (upserts with ``ON CONFLICT ... DO
UPDATE ... RETURNING``); only batches open a transaction.

Recovery: before a connection is used, the dialect's ``stale`` test (for PostgreSQL: has the
server already spoken on this idle connection, as it does to say "terminating connection"?)
runs, with no round trip, and a stale connection is replaced by a fresh one. A statement that
still meets a dropped connection invalidates it and runs again on a fresh one when that is
safe (see ``Retry``); deadlocks and serialization failures, which roll the statement back,
are retried a bounded number of times with a short random pause.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import Any

from sqlalchemy import Engine, event, exc, inspect
from sqlalchemy.pool import Pool, PoolProxiedConnection

from agentstore import errors
from agentstore.db.failures import (
    CONFLICTS,
    connection_lost,
    driver_failure,
    one_line,
    raise_meaning,
    sqlstate,
)
from agentstore.driving import ALL, ONE, Batch, Retry, Statement
from agentstore.memory.shell import Memory
from agentstore.memory.sql_operations import SqlOperations
from agentstore.memory.sql_statements import TABLE, Sql, SqlDialect
from agentstore.urls import BackendURL, migrate_command, scrub

log = logging.getLogger("agentstore.memory")
#: The server ended the session itself (administrator command, crash, shutdown): it said so
#: before it read any further statement, so what we sent never ran.
ENDED_BY_SERVER = frozenset({"57P01", "57P02", "57P03"})
#: How many times work rolled back by a conflict is tried again before ``WriteConflict``.
CONFLICT_ATTEMPTS = 8
#: How many fresh connections a call that met a dropped one may try.
RECONNECT_ATTEMPTS = 3
_CURSOR = "agentstore.cursor"


class Idle:
    """Connections checked out of the engine's ``QueuePool`` and kept at hand between calls.

    The pool owns every connection: it opens them (with the ``connect`` hook), caps how many
    exist, makes a thread beyond the cap wait ``pool_timeout`` seconds (then ``PoolExhausted``)
    and throws away the ones invalidated. Checking out of it costs about as much as a whole
    SQLite statement (benchmarks/memory.py), so a connection given back stays here, where
    taking it is one ``list.pop`` - unless a thread is waiting in the pool, which then gets it.
    A connection taken from here is first asked ``stale`` (the pool's checkout hook is not run
    for it), so a connection the server ended is never used.
    """

    def __init__(self, pool: Pool, stale: Callable[[Any], bool] | None) -> None:
        self._pool = pool
        self._stale = stale
        self._idle: list[PoolProxiedConnection] = []
        self._waiting = 0

    def take(self) -> PoolProxiedConnection:
        # A taker counts itself before it looks here, and a giver puts back before it looks
        # at the count: either the taker finds the connection, or the giver sees the taker
        # and hands one to the pool, where the taker waits.
        self._waiting += 1
        try:
            while True:
                try:
                    connection = self._idle.pop()
                except IndexError:
                    return self._pool.connect()
                if self._stale is None or not self._stale(connection.driver_connection):
                    return connection
                connection.invalidate()  # the pool discards it and frees its place
        finally:
            self._waiting -= 1

    def give(self, connection: PoolProxiedConnection) -> None:
        self._idle.append(connection)
        if self._waiting:
            with suppress(IndexError):
                self._idle.pop().close()  # into the pool, which wakes a waiting thread

    def close(self) -> None:
        while self._idle:
            with suppress(Exception):  # a connection the server already dropped
                self._idle.pop().close()


class SqlFailures:
    """What a failed statement means, and whether to try it again; shared with
    ``agentstore.asyncio``. Needs ``url``, ``wait_timeout``, ``_engine`` (its ``dialect``),
    ``_dialect`` (its ``name``) and ``_value_errors`` on the store."""

    url: BackendURL
    wait_timeout: float
    _engine: Any
    _dialect: SqlDialect
    _value_errors: tuple[type[BaseException], ...]

    def _verdict(self, error: Exception, lost: bool, attempt: int, retry: Retry) -> float:
        """Seconds to pause before trying again; raises what the failure means otherwise."""
        code = sqlstate(error)
        if code in CONFLICTS:
            if attempt < CONFLICT_ATTEMPTS:
                log.debug("%s rolled back (SQLSTATE %s); attempt %d", self, code, attempt + 1)
                return random.uniform(0.002, 0.01) * attempt
            raise errors.WriteConflict(
                f"concurrent writers kept conflicting on the memory at {self.url.redacted}"
                f" (SQLSTATE {code}); gave up after {attempt} attempts, nothing was written"
            ) from error
        safe = retry is Retry.ALWAYS or code in ENDED_BY_SERVER
        if lost and safe and attempt < RECONNECT_ATTEMPTS:
            log.debug("%s lost its connection (%s); trying a fresh one", self, code)
            return 0.0
        raise_meaning(error, self._translate(error, lost))

    def _lost(self, error: Exception, connection: PoolProxiedConnection) -> bool:
        """Whether the connection ``error`` came from is gone (the dialect's own judgement)."""
        return connection_lost(error, connection, self._engine.dialect)

    def _translate(self, error: Exception, lost: bool) -> errors.AgentstoreError | None:
        """What ``error`` means to a caller, through ``agentstore.db.failures`` like every
        other part of agentstore; ``None`` for an error that has no meaning here."""
        if isinstance(error, errors.AgentstoreError):
            return None
        if isinstance(error, self._value_errors):
            return errors.InvalidValue(
                f"the stored value cannot take this change: {scrub(one_line(error), self.url)}"
            )
        return driver_failure(error, self.url, self.wait_timeout, lost=lost)


class SqlMemory(SqlFailures, Memory):
    """A ``MemoryStore`` on PostgreSQL or SQLite; ``prefix`` scopes its rows. The operations
    are :class:`SqlOperations` (shared with asyncio); this class is their blocking driver."""

    def __init__(
        self,
        url: BackendURL,
        engine: Engine,
        dialect: SqlDialect,
        prepare: Callable[[Any], None],
        transaction: Callable[[Any, Any], AbstractContextManager[None]],
        integrity_errors: tuple[type[BaseException], ...],
        namespace: str,
        prefix: str,
        wait_timeout: float,
        stale: Callable[[Any], bool] | None = None,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self.wait_timeout = wait_timeout
        self._engine = engine
        self._connections = Idle(engine.pool, stale)
        self._dialect = dialect
        self._transaction = transaction
        self._value_errors = integrity_errors
        _watch(engine, prepare, stale)
        _check_schema(engine, url, wait_timeout)
        self._ops = SqlOperations(dialect, namespace, prefix)

    def _perform(self, request: Statement | Batch) -> Any:
        """Run one statement on a pooled connection: the hot path, kept free of extra layers."""
        if isinstance(request, Batch):
            return self._batch(request.sql, request.rows)
        sql, fetch = request.sql, request.fetch
        attempt = 0
        while True:
            connection = None
            try:
                connection = self._connections.take()
                cursor = _cursor(connection)
                cursor.execute(sql.text, sql.args(request.params))
                if fetch is None:
                    result = None
                elif fetch == ONE:
                    result = cursor.fetchone()
                elif fetch == ALL:
                    result = cursor.fetchall()
                else:
                    result = cursor.rowcount
            except Exception as error:
                attempt += 1
                self._recover(connection, error, attempt, request.retry)
                continue
            self._connections.give(connection)
            return result

    def _batch(self, sql: Sql, rows: list[dict[str, Any]]) -> None:
        """Run ``sql`` once per row in one transaction, retried whole when it rolled back."""
        attempt = 0
        while True:
            connection = None
            try:
                connection = self._connections.take()
                cursor = _cursor(connection)
                with self._transaction(connection.driver_connection, cursor):
                    cursor.executemany(sql.text, [sql.args(row) for row in rows])
            except Exception as error:
                attempt += 1
                self._recover(connection, error, attempt, Retry.ALWAYS)
                continue
            self._connections.give(connection)
            return

    def _recover(
        self,
        connection: PoolProxiedConnection | None,
        error: Exception,
        attempt: int,
        retry: Retry,
    ) -> None:
        """Give back the connection a statement failed on; return to try again, or raise."""
        lost = connection is not None and self._lost(error, connection)
        if connection is not None:
            if lost:
                connection.invalidate(error)  # which also hands it back to the pool
            else:
                self._connections.give(connection)
        time.sleep(self._verdict(error, lost, attempt, retry))

    def close(self) -> None:
        self._connections.close()
        self._engine.dispose()


def _watch(
    engine: Engine, prepare: Callable[[Any], None], stale: Callable[[Any], bool] | None
) -> None:
    """Prepare each new connection; let the pool replace a stale one at checkout."""
    event.listen(engine, "connect", lambda driver, _record: prepare(driver))
    if stale is not None:

        def checkout(driver: Any, _record: Any, _proxy: Any) -> None:
            if stale(driver):
                # The pool's own recovery: it discards this one and connects afresh.
                raise exc.DisconnectionError("the server closed this idle connection")

        event.listen(engine, "checkout", checkout)


def _cursor(connection: PoolProxiedConnection) -> Any:
    """The connection's cursor, made once per driver connection and kept with it."""
    driver = connection.driver_connection
    assert driver is not None, "a checked-out connection has a driver connection"
    kept = connection.info.get(_CURSOR)
    if kept is None or kept[0] is not driver:
        kept = connection.info[_CURSOR] = (driver, driver.cursor())
    return kept[1]


def _check_schema(engine: Engine, url: BackendURL, timeout: float) -> None:
    """Fail early and clearly: an unreachable server, or a database never migrated."""
    try:
        with engine.connect() as connection:
            present = has_memory_table(connection)
    except exc.DBAPIError as error:
        engine.dispose()
        raise unreachable(error, url, timeout) from error
    if not present:
        engine.dispose()
        raise not_migrated(url)


def has_memory_table(connection: Any) -> bool:
    """Whether the database behind ``connection`` holds the memory table."""
    return bool(inspect(connection).has_table(TABLE.name))


def unreachable(error: exc.DBAPIError, url: BackendURL, timeout: float) -> Exception:
    """Why a store could not open: the server did not answer (or the pool was full)."""
    return driver_failure(error, url, timeout, connecting=True) or error


def not_migrated(url: BackendURL) -> errors.SchemaNotMigrated:
    """A database with no memory table: never migrated."""
    return errors.SchemaNotMigrated(
        f"{url.redacted} has no memory table yet: run `{migrate_command(url)}` first"
    )
