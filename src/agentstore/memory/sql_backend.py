"""The SQL memory backend, one class for PostgreSQL and SQLite.

Statements come from :mod:`sql_statements` (SQLAlchemy Core, compiled once per store);
they run on driver connections taken from the SQLAlchemy engine's pool and kept in
autocommit mode, so a single operation is one round trip: no BEGIN/COMMIT pair, no pool
ping, no per-call compilation. Every write is a single atomic statement (upserts with
``ON CONFLICT ... DO UPDATE ... RETURNING``); only batches open a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError, OperationalError

from agentstore import errors
from agentstore.memory import patterns
from agentstore.memory.protocol import MemoryStats
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


class _Connections:
    """Driver connections checked out of the engine's pool for the store's lifetime.

    ``list.pop``/``append`` are atomic, so threads share the stack without a lock; it grows
    to the peak number of concurrent callers and no further.
    """

    def __init__(self, engine: Engine, prepare: Callable[[Any], None]) -> None:
        self._engine = engine
        self._prepare = prepare
        self._idle: list[tuple[Any, Any, Any]] = []
        self._all: list[Any] = []

    def take(self) -> tuple[Any, Any, Any]:
        """An idle (fairy, driver connection, cursor), or a new one."""
        try:
            return self._idle.pop()
        except IndexError:
            return self._open()

    def give(self, entry: tuple[Any, Any, Any], failed: bool = False) -> None:
        """Return a connection; a broken one is thrown away instead."""
        if failed and _broken(entry[1]):
            entry[0].invalidate()
        else:
            self._idle.append(entry)

    @contextmanager
    def cursor(self) -> Iterator[tuple[Any, Any]]:
        entry = self.take()
        try:
            yield entry[1], entry[2]
        except BaseException:
            self.give(entry, failed=True)
            raise
        self.give(entry)

    def _open(self) -> tuple[Any, Any, Any]:
        fairy = self._engine.raw_connection()
        driver = fairy.driver_connection
        self._prepare(driver)
        self._all.append(fairy)
        return fairy, driver, driver.cursor()

    def close(self) -> None:
        self._idle.clear()
        for fairy in self._all:
            with suppress(Exception):  # a connection the server already dropped
                fairy.close()
        self._all.clear()


def _broken(driver: Any) -> bool:
    return bool(getattr(driver, "broken", False) or getattr(driver, "closed", False))


class SqlMemory:
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
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.prefix = prefix
        self._engine = engine
        self._dialect = dialect
        self._transaction = transaction
        self._value_errors = integrity_errors
        self._scope = patterns.prefix_to_like(namespace + "/")
        _check_schema(engine, url)
        self._sql: Statements = build(dialect)
        self._connections = _Connections(engine, prepare)

    # -- plumbing ---------------------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        params["p_prefix"] = self.prefix
        params["p_namespace"] = self._scope
        return params

    def _run(self, sql: Sql, params: dict[str, Any], fetch: str | None) -> Any:
        """Run one statement on an idle connection: the hot path, kept free of extra layers."""
        connections = self._connections
        entry = connections.take()
        try:
            cursor = entry[2]
            cursor.execute(sql.text, sql.args(params))
            result = (
                None
                if fetch is None
                else cursor.fetchone()
                if fetch == "one"
                else cursor.fetchall()
                if fetch == "all"
                else cursor.rowcount
            )
        except Exception as exc:
            connections.give(entry, failed=True)
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from exc
        connections.give(entry)
        return result

    def _fetchone(self, sql: Sql, params: dict[str, Any]) -> Any:
        return self._run(sql, params, "one")

    def _fetchall(self, sql: Sql, params: dict[str, Any]) -> list[Any]:
        return self._run(sql, params, "all")

    def _translate(self, exc: Exception) -> Exception:
        if isinstance(exc, self._value_errors):
            return errors.InvalidValue(f"the stored value cannot take this change: {exc}")
        if _is_connection_error(exc):
            return errors.BackendUnavailable(
                f"{self._dialect.name} memory at {redact(self.url)} stopped answering: {exc}"
            )
        return exc

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except errors.AgentstoreError:
            raise
        except Exception as exc:
            translated = self._translate(exc)
            if translated is exc:
                raise
            raise translated from exc

    # -- the MemoryStore API ----------------------------------------------------------------

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        text, size, ttl = check_store(key, value, ttl, partition, self.namespace)
        self._run(self._sql.upsert, self._row(key, text, size, ttl, partition), None)

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
        with (
            self._guard(),
            self._connections.cursor() as (driver, cursor),
            self._transaction(driver, cursor),
        ):
            upsert = self._sql.upsert
            cursor.executemany(upsert.text, [upsert.args(row) for row in rows])

    def retrieve(self, key: str, default: Any = None) -> Any:
        check_key(key, self.namespace)
        row = self._fetchone(self._sql.get, {"p_prefix": self.prefix, "p_key": key})
        return default if row is None else decode(row[0])

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = unique_keys(keys, self.namespace)
        if not wanted:
            return {}
        rows = self._fetchall(
            self._sql.get_many,
            {"p_prefix": self.prefix, "p_keys": self._dialect.keys_param(wanted)},
        )
        return {key: decode(text) for key, text in rows}

    def delete(self, key: str) -> bool:
        check_key(key, self.namespace)
        rows = self._fetchall(self._sql.delete, {"p_prefix": self.prefix, "p_key": key})
        return _live(rows) == 1

    def exists(self, key: str) -> bool:
        check_key(key, self.namespace)
        return self._fetchone(self._sql.exists, {"p_prefix": self.prefix, "p_key": key}) is not None

    def ttl(self, key: str) -> float | None:
        check_key(key, self.namespace)
        row = self._fetchone(self._sql.ttl_left, {"p_prefix": self.prefix, "p_key": key})
        if row is None:
            raise KeyError(key)
        return None if row[0] is None else max(float(row[0]), 0.0)

    def search(self, pattern: str) -> dict[str, Any]:
        if not can_match(pattern, "search pattern"):
            return {}
        rows = self._fetchall(
            self._sql.search, self._params(p_pattern=patterns.glob_to_like(pattern))
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
            rows = self._fetchall(self._sql.list_keys, params)
        else:
            params["p_partition"] = check_partition(partition)
            rows = self._fetchall(self._sql.list_partition_keys, params)
        # Sorted here, by code point: database collations differ, Python's order does not.
        return sorted(row[0] for row in rows)

    def clear_partition(self, partition: str) -> int:
        rows = self._fetchall(
            self._sql.clear_partition, self._params(p_partition=check_partition(partition))
        )
        return _live(rows)

    def stats(self) -> MemoryStats:
        rows = self._fetchall(self._sql.stats, self._params())
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
            row = self._fetchone(self._sql.increment, params)
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
            row = self._fetchone(self._sql.cas_insert, params)
        else:
            params["p_expected"] = expected_text
            row = self._fetchone(self._sql.cas_update, params)
        return row is not None

    def cleanup_expired(self) -> int:
        return max(self._run(self._sql.cleanup, self._params(), "rowcount"), 0)

    def close(self) -> None:
        self._connections.close()
        self._engine.dispose()

    def __enter__(self) -> SqlMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SqlMemory {redact(self.url)} namespace={self.namespace!r} prefix={self.prefix!r}>"


def _live(rows: list[Any]) -> int:
    """How many deleted rows, given as (expires_at, now), were still live."""
    return sum(1 for expires_at, now in rows if expires_at is None or expires_at > now)


def _check_schema(engine: Engine, url: str) -> None:
    """Fail early and clearly: an unreachable server, or a database never migrated."""
    try:
        with engine.connect() as connection:
            present = inspect(connection).has_table(TABLE.name)
    except OperationalError as exc:
        engine.dispose()
        raise errors.BackendUnavailable(
            f"cannot reach the memory database at {redact(url)}: {exc.orig}"
        ) from exc
    if not present:
        engine.dispose()
        raise errors.SchemaNotMigrated(
            f"{redact(url)} has no memory table yet: run `agentstore migrate up --url URL` first"
        )


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated
    name = type(exc).__name__
    return name in {"OperationalError", "InterfaceError"} and "no such table" not in str(exc)
