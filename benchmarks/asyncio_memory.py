"""agentstore.asyncio's memory speed next to the raw async clients and next to the sync API.

For each backend, store and retrieve with 1 and with 100 concurrent callers: agentstore's
async memory; the raw async client doing the same job (psycopg's ``AsyncConnection`` and
aiosqlite writing the very rows the memory writes, ``redis.asyncio`` SET/GET of the same
JSON), with as many connections as the memory keeps; and agentstore's sync memory, called
from 1 thread or from 100 threads; on a Redis Cluster the raw client keeps the keys in one
hash slot as the memory keeps one store's (full runs only: the cluster is
AGENTSTORE_TEST_REDIS_CLUSTER_URL, else a throwaway one the harness starts and stops).
Target: async memory >= 85 % of the raw async client. ``size`` is the number of ops a round
(a twentieth of the run's sizes). Everything runs in a place of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
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
from benchmarks.cluster import cluster_place
from benchmarks.common import (
    MEMORY_SINGLE,
    Row,
    Settings,
    keys,
    postgres_database,
    redis_prefix,
    row,
    sqlite_database,
    sqlite_path,
)
from benchmarks.memory import VALUE, RawSql, postgres_connect, sqlite_connect
from harness.servers.redis_cluster import cluster_binaries

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


async def measure(backend: str, url: str, prefix: str, raw: Any, settings: Settings) -> list[Row]:
    rows = []
    sync = open_memory(url, prefix=prefix + "sync:")
    try:
        async with open_async_memory(url, prefix=prefix + "async:") as memory:
            mine = {
                "store": lambda i, k: memory.store(k, VALUE),
                "retrieve": lambda i, k: memory.retrieve(k),
            }
            theirs = {"store": lambda i, k: raw.store(i, k, VALUE), "retrieve": raw.retrieve}
            sync_ops = {"store": lambda k: sync.store(k, VALUE), "retrieve": sync.retrieve}
            for size in settings.scaled(20):
                names = keys(size, f"async{size}")
                for op in ("store", "retrieve"):
                    for c in CONCURRENCY:
                        best = {"mine": 0.0, "raw": 0.0, "sync": 0.0}
                        for _ in range(
                            settings.rounds_for(size)
                        ):  # interleaved: noise hits all alike
                            best["raw"] = max(best["raw"], await async_rate(theirs[op], names, c))
                            best["mine"] = max(best["mine"], await async_rate(mine[op], names, c))
                            best["sync"] = max(best["sync"], sync_rate(sync_ops[op], names, c))
                        case = f"{op}, {c} caller" + ("s" if c > 1 else "")
                        rows.append(
                            row(
                                "async",
                                case,
                                backend,
                                size,
                                best["mine"],
                                "ops/s",
                                best["raw"],
                                "raw async client",
                                MEMORY_SINGLE,
                            )
                        )
                        rows.append(
                            row(
                                "async",
                                f"{case} (vs sync API)",
                                backend,
                                size,
                                best["mine"],
                                "ops/s",
                                best["sync"],
                                "sync memory",
                            )
                        )
                assert await memory.retrieve(names[0]) == VALUE
                assert await raw.retrieve(0, names[0]) == VALUE
    finally:
        sync.close()
        await raw.close()
    return rows


async def measure_all(settings: Settings) -> list[Row]:
    rows = []
    with postgres_database(settings.postgres) as url:
        statements = RawSql("postgres", postgres_connect(url), same_rows=True)
        statements.close()
        connections = [
            await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True)
            for _ in range(MEMORY_POOL.pool_size + MEMORY_POOL.max_overflow)
        ]
        raw = RawAsyncSql("postgres", connections, statements)
        rows += await measure("postgres", url, "bench:", raw, settings)
    with sqlite_database() as url:
        path = sqlite_path(url)
        statements = RawSql("sqlite", sqlite_connect(path), same_rows=True)
        statements.close()
        connections = []
        for _ in range(SQLITE_CONNECTIONS):
            conn = await aiosqlite.connect(path, isolation_level=None)
            for pragma in ("journal_mode = wal", "synchronous = NORMAL", "busy_timeout = 5000"):
                await conn.execute(f"PRAGMA {pragma}")
            connections.append(conn)
        raw = RawAsyncSql("sqlite", connections, statements)
        rows += await measure("sqlite", url, "bench:", raw, settings)
    with redis_prefix(settings.redis) as prefix:
        raw = RawAsyncRedis(settings.redis, prefix)
        rows += await measure("redis", settings.redis, prefix, raw, settings)
    if settings.quick:
        return rows
    if not settings.cluster and not cluster_binaries():
        return rows + settings.skip("async on redis_cluster", "no cluster URL and no redis-server")
    with cluster_place(settings.cluster) as (url, prefix):
        rows += await measure("redis_cluster", url, prefix, RawAsyncCluster(url, prefix), settings)
    return rows


def run(settings: Settings) -> list[Row]:
    return asyncio.run(measure_all(settings))
