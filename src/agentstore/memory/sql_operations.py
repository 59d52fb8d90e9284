"""The SQL memory's operations, written once for the sync and the asyncio API.

Each ``MemoryStore`` call is a generator of :mod:`agentstore.driving` requests: it checks its
arguments, yields the statements (from :mod:`sql_statements`) with their parameters, and
makes the answer of the rows it is sent. It never touches a connection: the sync store
(:mod:`sql_backend`) and the async one (``agentstore.asyncio.memory_sql``) run the
statements, retry them and translate their failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentstore import errors
from agentstore.driving import (
    ALL,
    COUNT,
    ONE,
    Batch,
    Operation,
    Read,
    Retry,
    Single,
    Statement,
    nothing,
    walk,
)
from agentstore.memory import patterns
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.sql_statements import SqlDialect, Statements, build
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


class SqlOperations:
    """The memory API as operations on one store's rows (``prefix``) of one ``namespace``."""

    def __init__(self, dialect: SqlDialect, namespace: str, prefix: str) -> None:
        self.namespace = namespace
        self.prefix = prefix
        self._dialect = dialect
        self._scope = patterns.prefix_to_like(namespace + "/")
        self._sql: Statements = build(dialect)

    def _params(self, **params: Any) -> dict[str, Any]:
        params["p_prefix"] = self.prefix
        params["p_namespace"] = self._scope
        return params

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

    def store(self, key: str, value: Any, ttl: float | None, partition: str) -> Single[None]:
        text, size, ttl = check_store(key, value, ttl, partition, self.namespace)
        return (Statement(self._sql.upsert, self._row(key, text, size, ttl, partition)), nothing)

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None, partition: str
    ) -> Operation[None]:
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
        yield Batch(self._sql.upsert, rows)

    def retrieve(self, key: str, default: Any) -> Single[Any]:
        check_key(key, self.namespace)
        params = {"p_prefix": self.prefix, "p_key": key}
        return (
            Read(self._sql.get, params, ONE),
            lambda row: default if row is None else decode(row[0]),
        )

    def retrieve_many(self, keys: Iterable[str]) -> Operation[dict[str, Any]]:
        wanted = unique_keys(keys, self.namespace)
        if not wanted:
            return {}
        params = {"p_prefix": self.prefix, "p_keys": self._dialect.keys_param(wanted)}
        rows = yield Read(self._sql.get_many, params, ALL)
        return {key: decode(text) for key, text in rows}

    def delete(self, key: str) -> Single[bool]:
        check_key(key, self.namespace)
        params = {"p_prefix": self.prefix, "p_key": key}
        return (Statement(self._sql.delete, params, ALL), _one_live)

    def exists(self, key: str) -> Single[bool]:
        check_key(key, self.namespace)
        params = {"p_prefix": self.prefix, "p_key": key}
        return (Read(self._sql.exists, params, ONE), _found)

    def ttl(self, key: str) -> Single[float | None]:
        check_key(key, self.namespace)
        params = {"p_prefix": self.prefix, "p_key": key}
        return (Read(self._sql.ttl_left, params, ONE), lambda row: _seconds_left(row, key))

    def search(self, pattern: str) -> Operation[dict[str, Any]]:
        if not can_match(pattern, "search pattern"):
            return {}
        params = self._params(p_pattern=patterns.glob_to_like(pattern))
        rows = yield Read(self._sql.search, params, ALL)
        return {key: decode(text) for key, text in sorted(rows)}

    def list_keys(self, prefix: str, partition: str | None) -> Operation[list[str]]:
        if not can_match(prefix, "key prefix"):
            return []
        scoped = patterns.scoped_prefix(self.namespace, prefix)
        if scoped is None:
            return []
        params = self._params(p_pattern=patterns.prefix_to_like(scoped))
        sql = self._sql.list_keys
        if partition is not None:
            params["p_partition"] = check_partition(partition)
            sql = self._sql.list_partition_keys
        rows = yield Read(sql, params, ALL)
        # Sorted here, by code point: database collations differ, Python's order does not.
        return sorted(row[0] for row in rows)

    def clear_partition(self, partition: str) -> Operation[int]:
        params = self._params(p_partition=check_partition(partition))
        rows = yield Statement(self._sql.clear_partition, params, ALL)
        return _live(rows)

    def stats(self) -> Operation[MemoryStats]:
        rows = yield Read(self._sql.stats, self._params(), ALL)
        partitions = {name: int(count) for name, count, _ in sorted(rows)}
        return MemoryStats(
            keys=sum(partitions.values()),
            bytes=sum(int(size) for _, _, size in rows),
            partitions=partitions,
        )

    def increment(self, key: str, by: int) -> Operation[int]:
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
            row = yield Statement(self._sql.increment, params, ONE, Retry.IF_NEVER_RAN)
        except errors.InvalidValue:  # PostgreSQL's bigint overflowed: nothing changed
            row = None
        if row is None:
            raise refused_increment(key, by, (yield from walk(self.retrieve(key, None)))) from None
        return int(row[0])

    def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None
    ) -> Operation[bool]:
        check_key(key, self.namespace)
        wanted = canonical(expected)
        params = self._row(key, *encode_sized(new), check_ttl(ttl), "default")
        del params["p_partition"]  # a swap keeps the key's partition
        if expected is None:  # absent, expired or holding null: one atomic statement
            row = yield Statement(self._sql.cas_insert, params, ONE, Retry.IF_NEVER_RAN)
            return row is not None
        key_params = {"p_prefix": self.prefix, "p_key": key}
        while True:
            row = yield Read(self._sql.get, key_params, ONE)
            if row is None or (row[0] != wanted and canonical(decode(row[0])) != wanted):
                return False
            # Swap only if the exact text read is still there; if another writer got in
            # between, read again (each lap means someone else's write succeeded).
            params["p_expected"] = row[0]
            swapped = yield Statement(self._sql.cas_update, params, ONE, Retry.IF_NEVER_RAN)
            if swapped is not None:
                return True

    def cleanup_expired(self) -> Operation[int]:
        changed = yield Statement(self._sql.cleanup, self._params(), COUNT)
        return max(int(changed), 0)


def _by_key(row: dict[str, Any]) -> str:
    return str(row["p_key"])


def _one_live(rows: list[Any]) -> bool:
    return _live(rows) == 1


def _found(row: Any) -> bool:
    return row is not None


def _seconds_left(row: Any, key: str) -> float | None:
    if row is None:
        raise KeyError(key)
    return None if row[0] is None else max(float(row[0]), 0.0)


def _live(rows: list[Any]) -> int:
    """How many deleted rows, given as (expires_at, now), were still live."""
    return sum(1 for expires_at, now in rows if expires_at is None or expires_at > now)
