"""The SQL memory backend, one class for PostgreSQL and SQLite.

Statements come from :mod:`sql_statements` (SQLAlchemy Core, compiled once per store);
they run on driver connections taken from the SQLAlchemy engine's pool and kept in
autocommit mode, so a single operation is one round trip: no BEGIN/COMMIT pair, no pool
ping, no per-call compilation. Every write is a single atomic statement (upserts with
``ON CONFLICT ... DO UPDATE ... RETURNING``); only batches open a transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, suppress
from operator import attrgetter, methodcaller
from typing import Any

from sqlalchemy import Engine, exc, inspect

from agentstore import errors
from agentstore.db.failures import one_line, translate
from agentstore.memory import patterns
from agentstore.memory.protocol import MemoryStats, StoreLifecycle
from agentstore.memory.sql_statements import TABLE, Sql, SqlDialect, Statements, build
from agentstore.memory.validation import (
    can_match,
    check_increment,
    check_key,
    check_partition,
    check_store,
    check_ttl,
    decode,
    encode,
    encode_sized,
    refused_increment,
    unique_keys,
)
from agentstore.urls import redact

#: What ``_run`` hands back from the cursor.
_ONE = methodcaller("fetchone")
_ALL = methodcaller("fetchall")
_COUNT = attrgetter("rowcount")


class Connections:
    """Driver connections kept out of the engine's pool for the store's life, at most ``limit``.

    The hot path takes an idle connection without a lock (``list.pop``/``append`` are
    atomic). With none idle, a caller opens another while fewer than ``limit`` exist, and
    otherwise waits for one to come back: many threads share a few connections, and only a
    wait longer than ``timeout`` seconds fails, with ``PoolExhausted``.
    """

    def __init__(
        self, engine: Engine, prepare: Callable[[Any], None], *, limit: int, timeout: float
    ) -> None:
        self.limit = limit
        self.timeout = timeout
        self.opened = 0
        self._engine = engine
        self._prepare = prepare
        self._idle: list[tuple[Any, Any, Any]] = []
        self._all: list[Any] = []
        self._waiting = 0
        self._freed = threading.Condition()

    def take(self) -> tuple[Any, Any, Any]:
        """An idle (fairy, driver connection, cursor), a new one, or one given back in time."""
        try:
            return self._idle.pop()
        except IndexError:
            return self._wait_or_open()

    def give(self, entry: tuple[Any, Any, Any], broken: bool = False) -> None:
        """Return a connection; a broken one is thrown away instead."""
        if broken:
            entry[0].invalidate()
            with self._freed:
                self._all.remove(entry[0])
                self.opened -= 1
                self._freed.notify()
            return
        self._idle.append(entry)
        # A waiter counts itself before it looks for an idle connection, so it either sees
        # this one or is already waiting when the notification comes.
        if self._waiting:
            with self._freed:
                self._freed.notify()

    def _wait_or_open(self) -> tuple[Any, Any, Any]:
        deadline = time.monotonic() + self.timeout
        with self._freed:
            self._waiting += 1
            try:
                while True:
                    with suppress(IndexError):
                        return self._idle.pop()
                    if self.opened < self.limit:
                        self.opened += 1
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise self._exhausted()
                    self._freed.wait(left)
            finally:
                self._waiting -= 1
        try:
            return self._open()
        except BaseException:
            with self._freed:
                self.opened -= 1
                self._freed.notify()
            raise

    def _exhausted(self) -> errors.AgentstoreError:
        where = self._engine.url.render_as_string(hide_password=True)
        return translate(exc.TimeoutError("memory connections"), where, self.timeout)

    def _open(self) -> tuple[Any, Any, Any]:
        fairy = self._engine.raw_connection()
        driver = fairy.driver_connection
        self._prepare(driver)
        with self._freed:
            self._all.append(fairy)
        return fairy, driver, driver.cursor()

    def close(self) -> None:
        with self._freed:
            self._idle.clear()
            for fairy in self._all:
                with suppress(Exception):  # a connection the server already dropped
                    fairy.close()
            self._all.clear()
            self.opened = 0


def _broken(driver: Any) -> bool:
    return bool(getattr(driver, "broken", False) or getattr(driver, "closed", False))


class SqlFailures:
    """What a failed statement means to a caller; shared with ``agentstore.asyncio``.

    Needs ``url``, ``_engine`` (its ``dialect``), ``_dialect`` (its ``name``),
    ``_value_errors`` and ``_connections`` (its ``timeout``) on the store.
    """

    url: str
    _engine: Any
    _dialect: SqlDialect
    _value_errors: tuple[type[BaseException], ...]
    _connections: Any

    def _lost(self, error: Exception, driver: Any) -> bool:
        """Whether the connection ``error`` came from is gone (the dialect's own judgement)."""
        dialect = self._engine.dialect
        return _broken(driver) or (
            isinstance(error, dialect.loaded_dbapi.Error)
            and dialect.is_disconnect(error, driver, None)
        )

    def _translate(self, error: Exception, lost: bool) -> errors.AgentstoreError | None:
        """What ``error`` means to a caller, through ``agentstore.db.failures`` like every
        other part of agentstore; ``None`` for an error that has no meaning here."""
        if isinstance(error, errors.AgentstoreError):
            return None
        if isinstance(error, self._value_errors):
            return errors.InvalidValue(
                f"the stored value cannot take this change: {one_line(error)}"
            )
        dbapi_error = self._engine.dialect.loaded_dbapi.Error
        if isinstance(error, dbapi_error):  # raised by the driver itself: wrap as SQLAlchemy would
            error = exc.DBAPIError.instance(
                None, None, error, dbapi_error, connection_invalidated=lost
            )
        if not isinstance(error, exc.SQLAlchemyError):
            return None
        translated = translate(error, self.url, self._connections.timeout)
        if translated is None and isinstance(error, exc.OperationalError | exc.InterfaceError):
            translated = errors.BackendUnavailable(
                f"the {self._dialect.name} memory at {redact(self.url)} stopped answering:"
                f" {one_line(getattr(error, 'orig', error))}"
            )
        return translated


class SqlMemory(SqlFailures, StoreLifecycle):
    """A ``MemoryStore`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

    def __init__(
        self,
        url: str,
        engine: Engine,
        dialect: SqlDialect,
        prepare: Callable[[Any], None],
        transaction: Callable[[Any, Any], AbstractContextManager[None]],
        integrity_errors: tuple[type[BaseException], ...],
        namespace: str,
        prefix: str,
        max_connections: int,
        wait_timeout: float,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self._engine = engine
        self._dialect = dialect
        self._transaction = transaction
        self._value_errors = integrity_errors
        self._scope = patterns.prefix_to_like(namespace + "/")
        _check_schema(engine, url, wait_timeout)
        self._sql: Statements = build(dialect)
        self._connections = Connections(
            engine, prepare, limit=max_connections, timeout=wait_timeout
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        params["p_prefix"] = self.prefix
        params["p_namespace"] = self._scope
        return params

    def _run(
        self, sql: Sql, params: dict[str, Any], fetch: Callable[[Any], Any] | None = None
    ) -> Any:
        """Run one statement on an idle connection: the hot path, kept free of extra layers."""
        connections = self._connections
        entry = None
        try:
            entry = connections.take()
            cursor = entry[2]
            cursor.execute(sql.text, sql.args(params))
            result = None if fetch is None else fetch(cursor)
        except Exception as error:
            self._fail(entry, error)
        connections.give(entry)
        return result

    def _fail(self, entry: tuple[Any, Any, Any] | None, error: Exception) -> None:
        """Give back the connection a statement failed on; raise what the failure means."""
        lost = False
        if entry is not None:
            lost = self._lost(error, entry[1])
            self._connections.give(entry, broken=lost)
        translated = self._translate(error, lost)
        if translated is None:
            raise error
        raise translated from error

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
        upsert = self._sql.upsert
        entry = None
        try:
            entry = self._connections.take()
            with self._transaction(entry[1], entry[2]):
                entry[2].executemany(upsert.text, [upsert.args(row) for row in rows])
        except Exception as error:
            self._fail(entry, error)
        self._connections.give(entry)

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
            row = self._run(self._sql.increment, params, _ONE)
        except errors.InvalidValue:  # PostgreSQL's bigint overflowed: nothing changed
            row = None
        if row is None:
            raise refused_increment(key, by, self.retrieve(key)) from None
        return int(row[0])

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        check_key(key, self.namespace)
        expected_text = encode(expected)
        params = self._row(key, *encode_sized(new), check_ttl(ttl), "default")
        del params["p_partition"]  # a swap keeps the key's partition
        if expected is None:
            row = self._run(self._sql.cas_insert, params, _ONE)
        else:
            params["p_expected"] = expected_text
            row = self._run(self._sql.cas_update, params, _ONE)
        return row is not None

    def cleanup_expired(self) -> int:
        return max(self._run(self._sql.cleanup, self._params(), _COUNT), 0)

    def close(self) -> None:
        self._connections.close()
        self._engine.dispose()


def _live(rows: list[Any]) -> int:
    """How many deleted rows, given as (expires_at, now), were still live."""
    return sum(1 for expires_at, now in rows if expires_at is None or expires_at > now)


def _check_schema(engine: Engine, url: str, timeout: float) -> None:
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
    return inspect(connection).has_table(TABLE.name)


def unreachable(error: exc.DBAPIError, url: str, timeout: float) -> errors.AgentstoreError:
    """Why a store could not open: the server did not answer (or the pool was full)."""
    return translate(error, url, timeout) or errors.BackendUnavailable(
        f"cannot reach the memory database at {redact(url)}: {one_line(error.orig)}"
    )


def not_migrated(url: str) -> errors.SchemaNotMigrated:
    """A database with no memory table: never migrated."""
    return errors.SchemaNotMigrated(
        f"{redact(url)} has no memory table yet: run `agentstore migrate up --url URL` first"
    )
