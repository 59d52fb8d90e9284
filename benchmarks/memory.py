"""Memory speed next to the raw client on the same server, in the same run.

    python benchmarks/memory.py [--postgres URL] [--redis URL] [--ops N] [--batch N]

For each backend it measures single store/retrieve and batched store/retrieve, with
agentstore's memory and with the raw driver doing the same job (the same JSON text under
the same keys), and prints ops/s and the ratio. Targets: single >= 85 % of raw, batches
>= 50 %. On SQL the raw driver runs twice: writing the very rows the memory writes (the
target's reference: what the library layer costs) and into a bare key/value table (what
the memory's schema - prefix, partition, size, expiry and their indexes - costs on top).
Everything runs in a database / key prefix of its own, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from agentstore import Database, open_memory
from agentstore.urls import libpq_url

VALUE = {"state": "idle", "action": "explore", "q": 0.25, "visits": 17}
TARGETS = {"single": 0.85, "batch": 0.50}


def best_rate(run: Callable[[], int], repeat: int = 3) -> float:
    """Operations per second of the best of ``repeat`` runs (``run`` returns its op count)."""
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        ops = run()
        best = max(best, ops / (time.perf_counter() - start))
    return best


def keys(n: int, tag: str) -> list[str]:
    return [f"aqe/bench/{tag}/{i}" for i in range(n)]


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def sqlite_connect(path: Path) -> Callable[[], object]:
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


# -- places of the benchmark's own ------------------------------------------------------------


@contextmanager
def postgres_place(server: str) -> Iterator[str]:
    name = f"agentstore_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(libpq_url(server), autocommit=True, connect_timeout=5)
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        with Database(url) as database:
            database.upgrade("head")
        yield url
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.close()


@contextmanager
def sqlite_place() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="agentstore-bench-") as folder:
        path = Path(folder) / "bench.db"
        with Database(f"sqlite:///{path}") as database:
            database.upgrade("head")
        yield path


@contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    prefix = f"agentstore_bench:{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        doomed = list(client.scan_iter(match=prefix + "*", count=1000))
        for batch in chunks(doomed, 500):
            client.unlink(*batch)
        client.close()


# -- measuring --------------------------------------------------------------------------------


def measure(label: str, memory, raws: dict[str, object], ops: int, batch: int, rounds: int) -> None:
    single_keys, batch_keys = keys(ops, "single"), keys(ops * 5, "batch")
    mapping = {k: VALUE for k in batch_keys}

    def loop(fn: Callable[[str], object]) -> Callable[[], int]:
        def run() -> int:
            for key in single_keys:
                fn(key)
            return len(single_keys)

        return run

    def batched(fn: Callable[[list[str]], object], as_mapping: bool) -> Callable[[], int]:
        def run() -> int:
            for part in chunks(batch_keys, batch):
                fn({k: mapping[k] for k in part} if as_mapping else part)
            return len(batch_keys)

        return run

    def jobs(client) -> dict[str, Callable[[], int]]:
        return {
            "store": loop(lambda k: client.store(k, VALUE)),
            "retrieve": loop(client.retrieve),
            "store_many": batched(client.store_many, True),
            "retrieve_many": batched(client.retrieve_many, False),
        }

    mine_jobs = jobs(memory)
    raw_jobs = {name: jobs(raw) for name, raw in raws.items()}
    rates: dict[str, dict[str, float]] = {}
    for op in mine_jobs:
        # Interleaved rounds, best of each: the machine's noise hits everyone alike.
        best = {"memory": 0.0, **dict.fromkeys(raws, 0.0)}
        for _ in range(rounds):
            for name in raws:
                best[name] = max(best[name], best_rate(raw_jobs[name][op], 1))
            best["memory"] = max(best["memory"], best_rate(mine_jobs[op], 1))
        rates[op] = best
    assert memory.retrieve(single_keys[0]) == VALUE
    for raw in raws.values():
        assert raw.retrieve(single_keys[0]) == VALUE
    print(f"\n{label}  ({ops} single ops, {len(batch_keys)} items in batches of {batch})")
    head = f"  {'operation':<14}{'memory ops/s':>13}"
    for name in raws:
        head += f"{name + ' ops/s':>27}{'ratio':>7}"
    print(head + "  target")
    for op, best in rates.items():
        target = TARGETS["batch" if op.endswith("many") else "single"]
        line = f"  {op:<14}{best['memory']:>13,.0f}"
        for name in raws:
            line += f"{best[name]:>27,.0f}{best['memory'] / best[name]:>7.0%}"
        first = best["memory"] / best[next(iter(raws))]
        print(line + f"  >={target:.0%} " + ("ok" if first >= target else "BELOW"))


def measure_sql(label: str, backend: str, url: str, connect, args: argparse.Namespace) -> None:
    """Memory on ``url`` against raw SQL writing the same rows and a bare key/value table."""
    memory = open_memory(url, prefix="bench:")
    raws = {
        "raw same rows": RawSql(backend, connect(), same_rows=True),
        "raw bare key-value": RawSql(backend, connect(), same_rows=False),
    }
    try:
        measure(label, memory, raws, args.ops, args.batch, args.rounds)
    finally:
        memory.close()
        for raw in raws.values():
            raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "AGENTSTORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("AGENTSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; best counts")
    parser.add_argument("--only", choices=["postgres", "sqlite", "redis"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["postgres", "sqlite", "redis"])

    if "postgres" in only:
        with postgres_place(args.postgres) as url:
            measure_sql("PostgreSQL", "postgres", url, lambda: postgres_connect(url), args)
    if "sqlite" in only:
        with sqlite_place() as path:
            measure_sql("SQLite", "sqlite", f"sqlite:///{path}", lambda: sqlite_connect(path), args)
    if "redis" in only:
        with redis_prefix(args.redis) as prefix:
            memory, raw = open_memory(args.redis, prefix=prefix), RawRedis(args.redis, prefix)
            try:
                measure("Redis", memory, {"raw SET/GET": raw}, args.ops, args.batch, args.rounds)
            finally:
                memory.close()
                raw.close()


if __name__ == "__main__":
    main()
