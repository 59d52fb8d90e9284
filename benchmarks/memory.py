"""Memory speed next to the raw client on the same server, in the same run.

For each backend it measures single store/retrieve and batched store/retrieve, with
agentstore's memory and with the raw driver doing the same job (the same JSON text under
the same keys): ratio = memory / raw. Targets: single >= 0.85 of raw, batches >= 0.5. On SQL
the raw driver runs twice: writing the very rows the memory writes (the target's reference:
what the library layer costs) and into a bare key/value table (what the memory's schema -
prefix, partition, size, expiry and their indexes - costs on top). ``size`` is the number of
single ops (a tenth of the run's sizes, a twentieth with --quick: each is a round trip);
batches move five times as many items, ``BATCH`` at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import psycopg
import redis

from agentstore import open_memory
from agentstore.urls import libpq_url
from benchmarks.common import (
    MEMORY_BATCH,
    MEMORY_SINGLE,
    Row,
    Settings,
    best_rates,
    chunks,
    keys,
    postgres_database,
    redis_prefix,
    row,
    sqlite_database,
    sqlite_path,
)

VALUE = {"state": "idle", "action": "explore", "q": 0.25, "visits": 17}
BATCH = 500


# -- the raw clients, doing what the memory does ----------------------------------------------


NOW = {
    "postgres": "EXTRACT(EPOCH FROM statement_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


class RawSql:
    """The raw driver (psycopg or sqlite3), autocommit, one cursor, hand-written SQL.

    ``same_rows=True`` writes exactly the rows the memory writes (its table, prefix,
    partition, size, expiry check): the memory's own overhead. ``same_rows=False`` uses a
    bare ``key -> value`` table: what the memory's schema costs on top.
    """

    def __init__(self, backend: str, connect: Callable[[], object], same_rows: bool) -> None:
        self.backend = backend
        self.conn = connect()
        self.cur = self.conn.cursor()
        mark = "%s" if backend == "postgres" else "?"
        self.mark = mark
        if same_rows:
            now = NOW[backend]
            self.upsert_sql = (
                "INSERT INTO memory_entries (prefix, key, partition, value, size_bytes, expires_at)"
                f" VALUES ({mark}, {mark}, 'default', {mark}, {mark}, NULL)"
                " ON CONFLICT (prefix, key) DO UPDATE SET partition = excluded.partition,"
                " value = excluded.value, size_bytes = excluded.size_bytes,"
                " expires_at = excluded.expires_at, updated_at = CURRENT_TIMESTAMP"
            )
            live = f"(expires_at IS NULL OR expires_at > {now})"
            self.get_sql = (
                f"SELECT value FROM memory_entries WHERE prefix = 'raw:' AND key = {mark}"
                f" AND {live}"
            )
            self.many_sql = (
                f"SELECT key, value FROM memory_entries WHERE prefix = 'raw:' AND {live} AND key "
            )
            self.row = lambda k, text: ("raw:", k, text, len(text.encode()))
        else:
            self.cur.execute("CREATE TABLE raw_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.upsert_sql = (
                f"INSERT INTO raw_kv (key, value) VALUES ({mark}, {mark}) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )
            self.get_sql = f"SELECT value FROM raw_kv WHERE key = {mark}"
            self.many_sql = "SELECT key, value FROM raw_kv WHERE key "
            self.row = lambda k, text: (k, text)

    def store(self, key: str, value: object) -> None:
        self.cur.execute(self.upsert_sql, self.row(key, json.dumps(value)))

    def retrieve(self, key: str) -> object:
        self.cur.execute(self.get_sql, (key,))
        row = self.cur.fetchone()
        return None if row is None else json.loads(row[0])

    def store_many(self, mapping: dict[str, object]) -> None:
        rows = [self.row(k, json.dumps(v)) for k, v in mapping.items()]
        if self.backend == "postgres":
            with self.conn.transaction():
                self.cur.executemany(self.upsert_sql, rows)
        else:
            self.cur.execute("BEGIN IMMEDIATE")
            self.cur.executemany(self.upsert_sql, rows)
            self.cur.execute("COMMIT")

    def retrieve_many(self, wanted: list[str]) -> dict[str, object]:
        if self.backend == "postgres":
            self.cur.execute(self.many_sql + "= ANY(%s)", (wanted,))
        else:
            self.cur.execute(self.many_sql + f"IN ({','.join('?' * len(wanted))})", wanted)
        return {k: json.loads(v) for k, v in self.cur.fetchall()}

    def close(self) -> None:
        self.conn.close()


def postgres_connect(url: str) -> Callable[[], object]:
    return lambda: psycopg.connect(libpq_url(url), autocommit=True)


def sqlite_connect(path: str) -> Callable[[], object]:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # The same pragmas the memory's connections use.
        conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    return connect


class RawRedis:
    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix + "raw:"

    def store(self, key: str, value: object) -> None:
        self.client.set(self.prefix + key, json.dumps(value))

    def retrieve(self, key: str) -> object:
        text = self.client.get(self.prefix + key)
        return None if text is None else json.loads(text)

    def store_many(self, mapping: dict[str, object]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for k, v in mapping.items():
            pipe.set(self.prefix + k, json.dumps(v))
        pipe.execute()

    def retrieve_many(self, wanted: list[str]) -> dict[str, object]:
        pipe = self.client.pipeline(transaction=False)
        for k in wanted:
            pipe.get(self.prefix + k)
        return {k: json.loads(t) for k, t in zip(wanted, pipe.execute(), strict=True) if t}

    def close(self) -> None:
        self.client.close()


# -- measuring --------------------------------------------------------------------------------


def jobs(client: Any, single: list[str], batched: list[str]) -> dict[str, Callable[[], int]]:
    """The four operations on ``client``, each a run returning how many items it did."""

    def each(fn: Callable[[str], object]) -> Callable[[], int]:
        def run() -> int:
            for key in single:
                fn(key)
            return len(single)

        return run

    def many(fn: Callable[[Any], object], as_mapping: bool) -> Callable[[], int]:
        def run() -> int:
            for part in chunks(batched, BATCH):
                fn(dict.fromkeys(part, VALUE) if as_mapping else part)
            return len(batched)

        return run

    return {
        "store": each(lambda k: client.store(k, VALUE)),
        "retrieve": each(client.retrieve),
        "store_many": many(client.store_many, True),
        "retrieve_many": many(client.retrieve_many, False),
    }


def measure(backend: str, memory: Any, raws: dict[str, Any], settings: Settings) -> list[Row]:
    """Rows for each op and size: the memory against each raw client (the first one carries
    the target)."""
    rows = []
    for size in settings.scaled(20 if settings.quick else 10):
        single, batched = keys(size, f"single{size}"), keys(size * 5, f"batch{size}")
        work = {"memory": jobs(memory, single, batched)}
        work |= {name: jobs(raw, single, batched) for name, raw in raws.items()}
        for op in work["memory"]:
            best = best_rates(
                {name: ops[op] for name, ops in work.items()}, settings.rounds_for(size)
            )
            target = MEMORY_BATCH if op.endswith("many") else MEMORY_SINGLE
            for n, name in enumerate(raws):
                case = op if n == 0 else f"{op} (vs {name})"
                rows.append(
                    row(
                        "memory",
                        case,
                        backend,
                        size,
                        best["memory"],
                        "ops/s",
                        best[name],
                        name,
                        target if n == 0 else None,
                    )
                )
        assert memory.retrieve(single[0]) == VALUE
        for raw in raws.values():
            assert raw.retrieve(single[0]) == VALUE
    return rows


def measure_sql(
    backend: str, url: str, connect: Callable[[], object], settings: Settings
) -> list[Row]:
    """Memory on ``url`` against raw SQL writing the same rows and a bare key/value table."""
    memory = open_memory(url, prefix="bench:")
    raws = {
        "raw same rows": RawSql(backend, connect, same_rows=True),
        "raw bare key-value": RawSql(backend, connect, same_rows=False),
    }
    try:
        return measure(backend, memory, raws, settings)
    finally:
        memory.close()
        for raw in raws.values():
            raw.close()


def run(settings: Settings) -> list[Row]:
    rows = []
    with postgres_database(settings.postgres) as url:
        rows += measure_sql("postgres", url, postgres_connect(url), settings)
    with sqlite_database() as url:
        rows += measure_sql("sqlite", url, sqlite_connect(sqlite_path(url)), settings)
    with redis_prefix(settings.redis) as prefix:
        memory, raw = open_memory(settings.redis, prefix=prefix), RawRedis(settings.redis, prefix)
        try:
            rows += measure("redis", memory, {"raw SET/GET": raw}, settings)
        finally:
            memory.close()
            raw.close()
    return rows
