"""agentstore.asyncio's memory speed next to the raw async clients and next to the sync API.

    python -m benchmarks.asyncio_memory [--postgres URL] [--redis URL] [--cluster URL]
        [--ops N] [--rounds N] [--only postgres|sqlite|redis|redis_cluster]

For each backend, store and retrieve with 1 and with 100 concurrent callers: agentstore's
async memory; the raw async client doing the same job (psycopg's ``AsyncConnection`` and
aiosqlite writing the very rows the memory writes, ``redis.asyncio`` SET/GET of the same
JSON, on a cluster with the keys in one hash slot as the memory keeps one store's), with as
many connections as the memory keeps; and agentstore's sync memory, called from 1 thread or
from 100 threads. Target: async memory >= 85 % of the raw async client.
Everything runs in a database / key prefix of its own (``benchmarks.memory``'s places). The
cluster is ``--cluster``, else AGENTSTORE_TEST_REDIS_CLUSTER_URL, else a throwaway one the
harness starts and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import aiosqlite
import psycopg
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from agentstore import open_memory
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.asyncio.memory_redis import MAX_CONNECTIONS as REDIS_CONNECTIONS
from agentstore.memory.sql_postgres import DEFAULT_POOL as MEMORY_POOL
from agentstore.memory.sql_sqlite import SQLITE_CONNECTIONS
from agentstore.urls import cluster_address, libpq_url
from benchmarks.memory import (
    VALUE,
    RawSql,
    keys,
    postgres_connect,
    postgres_place,
    redis_prefix,
    sqlite_connect,
    sqlite_place,
)
from harness.isolation.redis_cluster_keys import delete_prefixed_cluster
from harness.servers.ladder import Provisioner
from harness.servers.redis_cluster import ENV_VAR, cluster_binaries, spawn_cluster

TARGET = 0.85
CONCURRENCY = (1, 100)


class RawAsyncSql:
    """psycopg async or aiosqlite connections running the same SQL as ``benchmarks.memory``'s
    raw same-rows client; caller ``i`` uses connection ``i % len(connections)``."""

    def __init__(self, backend: str, connections: list[Any], statements: RawSql) -> None:
        self.backend = backend
        self.connections = connections
        self.upsert_sql, self.get_sql, self.row = (
            statements.upsert_sql,
            statements.get_sql,
            statements.row,
        )

    async def store(self, caller: int, key: str, value: object) -> None:
        conn = self.connections[caller % len(self.connections)]
        await conn.execute(self.upsert_sql, self.row(key, json.dumps(value)))

    async def retrieve(self, caller: int, key: str) -> object:
        conn = self.connections[caller % len(self.connections)]
        if self.backend == "sqlite":
            rows = await conn.execute_fetchall(self.get_sql, (key,))
            row = rows[0] if rows else None
        else:
            row = await (await conn.execute(self.get_sql, (key,))).fetchone()
        return None if row is None else json.loads(row[0])

    async def close(self) -> None:
        for conn in self.connections:
            await conn.close()


class RawAsyncRedis:
    def __init__(self, url: str, prefix: str) -> None:
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=REDIS_CONNECTIONS)
        self.client = aioredis.Redis.from_pool(pool)
        self.prefix = prefix + "raw:"

    async def store(self, caller: int, key: str, value: object) -> None:
        await self.client.set(self.prefix + key, json.dumps(value))

    async def retrieve(self, caller: int, key: str) -> object:
        text = await self.client.get(self.prefix + key)
        return None if text is None else json.loads(text)

    async def close(self) -> None:
        await self.client.aclose()


class RawAsyncCluster(RawAsyncRedis):
    """redis-py's async cluster client, SET/GET of the same JSON in one hash slot, with its
    default 100 connections a node (with the memory's 20 it fails 100 callers at once:
    ``MaxConnectionsError``, where the memory makes callers wait their turn)."""

    def __init__(self, url: str, prefix: str) -> None:
        nodes = [ClusterNode(host, port) for host, port in cluster_address(url).nodes]
        self.client = RedisCluster(startup_nodes=nodes)
        self.prefix = "{" + prefix + "raw}:"


@contextmanager
def cluster_place(given: str | None) -> Iterator[tuple[str, str]]:
    """A cluster URL (given, or a throwaway cluster) and a key prefix, cleaned up after."""
    provisioner = None
    if not given:
        provisioner = Provisioner()
        given = spawn_cluster(provisioner, cluster_binaries()[0]).url
    prefix = f"agentstore_bench:{os.urandom(4).hex()}:"
    try:
        yield given, prefix
    finally:
        delete_prefixed_cluster(given, prefix)
        if provisioner is not None:
            provisioner.stop_all()


async def async_rate(
    op: Callable[[int, str], Awaitable[object]], names: list[str], c: int
) -> float:
    """Ops/s of ``c`` coroutines sharing ``names`` (each takes every c-th key in turn)."""

    async def caller(i: int) -> None:
        for key in names[i::c]:
            await op(i, key)

    start = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(c)))
    return len(names) / (time.perf_counter() - start)


def sync_rate(op: Callable[[str], object], names: list[str], c: int) -> float:
    """Ops/s of ``c`` threads calling the sync memory."""

    def caller(i: int) -> None:
        for key in names[i::c]:
            op(key)

    start = time.perf_counter()
    if c == 1:
        caller(0)
    else:
        with ThreadPoolExecutor(c) as pool:
            list(pool.map(caller, range(c)))
    return len(names) / (time.perf_counter() - start)


async def measure(label: str, url: str, prefix: str, raw: Any, args: argparse.Namespace) -> None:
    names = keys(args.ops, "async")
    sync = open_memory(url, prefix=prefix + "sync:")
    try:
        async with open_async_memory(url, prefix=prefix + "async:") as memory:
            mine = {
                "store": lambda i, k: memory.store(k, VALUE),
                "retrieve": lambda i, k: memory.retrieve(k),
            }
            theirs = {"store": lambda i, k: raw.store(i, k, VALUE), "retrieve": raw.retrieve}
            sync_ops = {"store": lambda k: sync.store(k, VALUE), "retrieve": sync.retrieve}
            print(f"\n{label}  ({args.ops} ops a round, best of {args.rounds} interleaved rounds)")
            print(
                f"  {'operation':<10}{'callers':>8}{'async ops/s':>13}{'raw async ops/s':>17}"
                f"{'ratio':>7}{'sync ops/s':>12}{'async/sync':>11}  target"
            )
            for op in ("store", "retrieve"):
                for c in CONCURRENCY:
                    best = {"mine": 0.0, "raw": 0.0, "sync": 0.0}
                    for _ in range(args.rounds):  # interleaved: noise hits everyone alike
                        best["raw"] = max(best["raw"], await async_rate(theirs[op], names, c))
                        best["mine"] = max(best["mine"], await async_rate(mine[op], names, c))
                        best["sync"] = max(best["sync"], sync_rate(sync_ops[op], names, c))
                    ratio = best["mine"] / best["raw"]
                    print(
                        f"  {op:<10}{c:>8}{best['mine']:>13,.0f}{best['raw']:>17,.0f}"
                        f"{ratio:>7.0%}{best['sync']:>12,.0f}{best['mine'] / best['sync']:>11.2f}x"
                        f"  >={TARGET:.0%} " + ("ok" if ratio >= TARGET else "BELOW")
                    )
            assert await memory.retrieve(names[0]) == VALUE
            assert await raw.retrieve(0, names[0]) == VALUE
    finally:
        sync.close()
        await raw.close()


async def main() -> None:
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
    parser.add_argument("--cluster", default=os.environ.get(ENV_VAR))
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; best counts")
    backends = ["postgres", "sqlite", "redis", "redis_cluster"]
    parser.add_argument("--only", choices=backends, action="append")
    args = parser.parse_args()
    only = set(args.only or backends)

    if "postgres" in only:
        with postgres_place(args.postgres) as url:
            statements = RawSql("postgres", postgres_connect(url), same_rows=True)
            statements.close()
            connections = [
                await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True)
                for _ in range(MEMORY_POOL.pool_size + MEMORY_POOL.max_overflow)
            ]
            raw = RawAsyncSql("postgres", connections, statements)
            await measure("PostgreSQL", url, "bench:", raw, args)
    if "sqlite" in only:
        with sqlite_place() as path:
            statements = RawSql("sqlite", sqlite_connect(path), same_rows=True)
            statements.close()
            connections = []
            for _ in range(SQLITE_CONNECTIONS):
                conn = await aiosqlite.connect(path, isolation_level=None)
                for pragma in ("journal_mode = wal", "synchronous = NORMAL", "busy_timeout = 5000"):
                    await conn.execute(f"PRAGMA {pragma}")
                connections.append(conn)
            raw = RawAsyncSql("sqlite", connections, statements)
            await measure("SQLite", f"sqlite:///{path}", "bench:", raw, args)
    if "redis" in only:
        with redis_prefix(args.redis) as prefix:
            await measure("Redis", args.redis, prefix, RawAsyncRedis(args.redis, prefix), args)
    if "redis_cluster" in only:
        with cluster_place(args.cluster) as (url, prefix):
            raw_cluster = RawAsyncCluster(url, prefix)
            await measure("Redis Cluster", url, prefix, raw_cluster, args)


if __name__ == "__main__":
    asyncio.run(main())
