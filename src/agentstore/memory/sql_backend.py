"""The SQL memory backend, one class for PostgreSQL and SQLite.

Statements come from :mod:`sql_statements` (SQLAlchemy Core, compiled once per store) and
run on driver connections from the engine's own pool (SQLAlchemy's ``QueuePool``, with a
lock-free hand of idle ones on top, see ``Idle``), kept in autocommit mode, so a single
operation is one round trip: no BEGIN/COMMIT pair, no per-call compilation. Every write is a
single atomic statement (upserts with ``ON CONFLICT ... DO UPDATE ... RETURNING``); only
batches open a transaction.

Recovery: before a connection is used, the dialect's ``stale`` test (for PostgreSQL: has the
server already spoken on this idle connection, as it does to say "terminating connection"?)
runs, with no round trip, and a stale connection is replaced by a fresh one. A statement that
still meets a dropped connection invalidates it and runs again on a fresh one when that is
safe (see ``Retry``); deadlocks and serialization failures, which roll the statement back,
are retried a bounded number of times with a short random pause.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, suppress
from operator import attrgetter, methodcaller
from typing import Any

from sqlalchemy import Engine, event, exc, inspect
from sqlalchemy.pool import Pool, PoolProxiedConnection

from agentstore import errors
from agentstore.db.failures import CONFLICTS, one_line, sqlstate, translate
from agentstore.memory import patterns
from agentstore.memory.protocol import MemoryStats, StoreLifecycle
from agentstore.memory.sql_statements import TABLE, Sql, SqlDialect, Statements, build
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
from agentstore.urls import BackendURL, migrate_command, scrub

log = logging.getLogger("agentstore.memory")

#: What ``_run`` hands back from the cursor.
_ONE = methodcaller("fetchone")
_ALL = methodcaller("fetchall")
_COUNT = attrgetter("rowcount")

#: The server ended the session itself (administrator command, crash, shutdown): it said so
#: before it read any further statement, so what we sent never ran.
ENDED_BY_SERVER = frozenset({"57P01", "57P02", "57P03"})
#: How many times work rolled back by a conflict is tried again before ``WriteConflict``.
CONFLICT_ATTEMPTS = 8
#: How many fresh connections a call that met a dropped one may try.
RECONNECT_ATTEMPTS = 3
_CURSOR = "agentstore.cursor"


class Retry(enum.Enum):
    """When a statement that met a dropped connection may run again on a fresh one."""

    #: Reads and writes whose repetition leaves the same state (upserts, deletes).
    ALWAYS = "always"
    #: Writes that must not run twice (increment): only when the server said it had ended
    #: the session before it read the statement.
    IF_NEVER_RAN = "if never ran"


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
        translated = self._translate(error, lost)
        if translated is None:
            raise error
        raise translated from error

    def _lost(self, error: Exception, connection: PoolProxiedConnection) -> bool:
        """Whether the connection ``error`` came from is gone (the dialect's own judgement)."""
        driver = connection.driver_connection
        if getattr(driver, "broken", False) or getattr(driver, "closed", False):
            return True
        dialect = self._engine.dialect
        return isinstance(error, dialect.loaded_dbapi.Error) and dialect.is_disconnect(
            error, connection.dbapi_connection, None
        )

    def _translate(self, error: Exception, lost: bool) -> errors.AgentstoreError | None:
        """What ``error`` means to a caller, through ``agentstore.db.failures`` like every
        other part of agentstore; ``None`` for an error that has no meaning here."""
        if isinstance(error, errors.AgentstoreError):
            return None
        if isinstance(error, self._value_errors):
            return errors.InvalidValue(
                f"the stored value cannot take this change: {scrub(one_line(error), self.url)}"
            )
        dbapi_error = self._engine.dialect.loaded_dbapi.Error
        if isinstance(error, dbapi_error):  # raised by the driver itself: wrap as SQLAlchemy would
            error = exc.DBAPIError.instance(
                None, None, error, dbapi_error, connection_invalidated=lost
            )
        if not isinstance(error, exc.SQLAlchemyError):
            return None
        translated = translate(error, self.url, self.wait_timeout)
        if translated is None and isinstance(error, exc.OperationalError | exc.InterfaceError):
            translated = errors.BackendUnavailable(
                f"the {self._dialect.name} memory at {self.url.redacted} stopped answering:"
                f" {scrub(one_line(getattr(error, 'orig', error)), self.url)}"
            )
        return translated


class SqlMemory(SqlFailures, StoreLifecycle):
    """A ``MemoryStore`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

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
        self._scope = patterns.prefix_to_like(namespace + "/")
        _watch(engine, prepare, stale)
        _check_schema(engine, url, wait_timeout)
        self._sql: Statements = build(dialect)

    # -- plumbing ---------------------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        params["p_prefix"] = self.prefix
        params["p_namespace"] = self._scope
        return params

    def _run(
        self,
        sql: Sql,
        params: dict[str, Any],
        fetch: Callable[[Any], Any] | None = None,
        retry: Retry = Retry.ALWAYS,
    ) -> Any:
        """Run one statement on a pooled connection: the hot path, kept free of extra layers."""
        attempt = 0
        while True:
            connection = None
            try:
                connection = self._connections.take()
                cursor = _cursor(connection)
                cursor.execute(sql.text, sql.args(params))
                result = None if fetch is None else fetch(cursor)
            except Exception as error:
                attempt += 1
                self._recover(connection, error, attempt, retry)
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

    # -- the MemoryStore API ----------------------------------------------------------------

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, size, ttl = check_store(key, value, ttl, partition, self.namespace)
        self._run(self._sql.upsert, self._row(key, text, size, ttl, partition))

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

    def store_many(
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
        # One lock order for every writer (sorted keys): two batches over the same keys wait
        # for each other instead of deadlocking.
        rows.sort(key=_by_key)
        self._batch(self._sql.upsert, rows)

    def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        row = self._run(self._sql.get, {"p_prefix": self.prefix, "p_key": key}, _ONE)
        return default if row is None else decode(row[0])

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = unique_keys(keys, self.namespace)
        if not wanted:
            return {}
        rows = self._run(
            self._sql.get_many,
            {"p_prefix": self.prefix, "p_keys": self._dialect.keys_param(wanted)},
            _ALL,
        )
        return {key: decode(text) for key, text in rows}

    def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        rows = self._run(self._sql.delete, {"p_prefix": self.prefix, "p_key": key}, _ALL)
        return _live(rows) == 1

    def exists(self, key: str) -> bool:
        check_key(key, self.namespace)
        row = self._run(self._sql.exists, {"p_prefix": self.prefix, "p_key": key}, _ONE)
        return row is not None

    def ttl(self, key: str) -> float | None:
        check_key(key, self.namespace)
        row = self._run(self._sql.ttl_left, {"p_prefix": self.prefix, "p_key": key}, _ONE)
        if row is None:
            raise KeyError(key)
        return None if row[0] is None else max(float(row[0]), 0.0)

    def search(self, pattern: str) -> dict[str, Any]:
        if not can_match(pattern, "search pattern"):
            return {}
        rows = self._run(
            self._sql.search, self._params(p_pattern=patterns.glob_to_like(pattern)), _ALL
        )
        return {key: decode(text) for key, text in sorted(rows)}

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        params = self._params(p_pattern=patterns.prefix_to_like(scoped))
        if partition is None:
            rows = self._run(self._sql.list_keys, params, _ALL)
        else:
            params["p_partition"] = check_partition(partition)
            rows = self._run(self._sql.list_partition_keys, params, _ALL)
        # Sorted here, by code point: database collations differ, Python's order does not.
        return sorted(row[0] for row in rows)

    def clear_partition(self, partition: str) -> int:
        rows = self._run(
            self._sql.clear_partition, self._params(p_partition=check_partition(partition)), _ALL
        )
        return _live(rows)

    def stats(self) -> MemoryStats:
        rows = self._run(self._sql.stats, self._params(), _ALL)
        partitions = {name: int(count) for name, count, _ in sorted(rows)}
        return MemoryStats(
            keys=sum(partitions.values()),
            bytes=sum(int(size) for _, _, size in rows),
            partitions=partitions,
        )

    def increment(self, key: str, by: int = 1) -> int:
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
            row = self._run(self._sql.increment, params, _ONE, Retry.IF_NEVER_RAN)
        except errors.InvalidValue:  # PostgreSQL's bigint overflowed: nothing changed
            row = None
        if row is None:
            raise refused_increment(key, by, self.retrieve(key)) from None
        return int(row[0])

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        params = self._row(key, *encode_sized(new), check_ttl(ttl), "default")
        del params["p_partition"]  # a swap keeps the key's partition
        if expected is None:  # absent, expired or holding null: one atomic statement
            return self._run(self._sql.cas_insert, params, _ONE, Retry.IF_NEVER_RAN) is not None
        key_params = {"p_prefix": self.prefix, "p_key": key}
        while True:
            row = self._run(self._sql.get, key_params, _ONE)
            if row is None or (row[0] != wanted and canonical(decode(row[0])) != wanted):
                return False
            # Swap only if the exact text read is still there; if another writer got in
            # between, read again (each lap means someone else's write succeeded).
            params["p_expected"] = row[0]
            if self._run(self._sql.cas_update, params, _ONE, Retry.IF_NEVER_RAN) is not None:
                return True

    def cleanup_expired(self) -> int:
        return max(int(self._run(self._sql.cleanup, self._params(), _COUNT)), 0)

    def close(self) -> None:
        self._connections.close()
        self._engine.dispose()


def _by_key(row: dict[str, Any]) -> str:
    return str(row["p_key"])


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


def _live(rows: list[Any]) -> int:
    """How many deleted rows, given as (expires_at, now), were still live."""
    return sum(1 for expires_at, now in rows if expires_at is None or expires_at > now)


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


def unreachable(error: exc.DBAPIError, url: BackendURL, timeout: float) -> errors.AgentstoreError:
    """Why a store could not open: the server did not answer (or the pool was full)."""
    return translate(error, url, timeout) or errors.BackendUnavailable(
        f"cannot reach the memory database at {url.redacted}: {scrub(one_line(error.orig), url)}"
    )


def not_migrated(url: BackendURL) -> errors.SchemaNotMigrated:
    """A database with no memory table: never migrated."""
    return errors.SchemaNotMigrated(
        f"{url.redacted} has no memory table yet: run `{migrate_command(url)}` first"
    )
