"""Work-queue speed next to the raw client on the same server, in the same run.

Jobs per second through enqueue -> claim -> complete, with 1, 2 and 4 worker threads per
backend: agentstore's queue, then the same loop written directly on the raw client
(psycopg / sqlite3 / redis-py) doing the same work - a JSON payload in, a claim with a fresh
token and a lease by the server's clock, a completion that checks the token - and the ratio
of the two. Target: 1 worker >= 0.7x raw. ``size`` is the number of jobs: a fiftieth of
the run's sizes, as each job takes three round trips and a commit or more.

(A module of the ``benchmarks`` package: run as a script, this file would shadow the
standard library's ``queue``.)
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import redis

from agentstore import open_queue
from agentstore.urls import libpq_url
from benchmarks.common import (
    QUEUE_ONE_WORKER,
    Row,
    Settings,
    postgres_database,
    redis_prefix,
    row,
    sqlite_database,
    sqlite_path,
)

PAYLOAD = {"task": "summarise", "document": 1234, "words": 350}
WORKERS = (1, 2, 4)
NOW = {
    "postgres": "EXTRACT(EPOCH FROM statement_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


# -- the loops ------------------------------------------------------------------------------


def run_loop(
    enqueue: Callable[[int], None],
    make_worker: Callable[[], Callable[[], bool]],
    jobs: int,
    workers: int,
) -> float:
    """Jobs per second: enqueue ``jobs``, then ``workers`` threads claim and complete them."""
    started = time.perf_counter()
    enqueue(jobs)
    loops = [make_worker() for _ in range(workers)]

    def drain(step: Callable[[], bool]) -> None:
        while step():
            pass

    threads = [threading.Thread(target=drain, args=(loop,)) for loop in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return jobs / (time.perf_counter() - started)


def library(url: str, prefix: str, name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    queue = open_queue(url, name, prefix=prefix)

    def enqueue(jobs: int) -> None:
        for _ in range(jobs):
            queue.enqueue(PAYLOAD)

    def worker() -> Callable[[], bool]:
        def step() -> bool:
            job = queue.claim("bench", lease=30)
            if job is None:
                return False
            queue.complete(job)
            return True

        return step

    return enqueue, worker


class RawSql:
    """The same queue by hand: one autocommit driver connection per thread, the same table."""

    def __init__(self, backend: str, connect: Callable[[], object], name: str) -> None:
        self.backend, self.connect, self.name = backend, connect, name
        now, mark = NOW[backend], ("%s" if backend == "postgres" else "?")
        lock = " FOR UPDATE SKIP LOCKED" if backend == "postgres" else ""
        self.insert = (
            "INSERT INTO coordination_jobs (scope, queue, state, payload, claim_rank, attempts,"
            f" max_attempts, available_at, created_at) VALUES ('raw', {mark}, 'ready', {mark},"
            f" 0, 0, 3, {now}, {now})"
        )
        self.claim = (
            f"UPDATE coordination_jobs SET state = 'running', token = {mark},"
            f" attempts = attempts + 1, available_at = {now} + 30 WHERE id = (SELECT id FROM"
            f" coordination_jobs WHERE scope = 'raw' AND queue = {mark} AND available_at <= {now}"
            f" ORDER BY claim_rank, available_at, id LIMIT 1{lock}) RETURNING id, payload"
        )
        self.complete = (
            f"UPDATE coordination_jobs SET state = 'done', available_at = NULL, finished_at = {now}"
            f" WHERE id = {mark} AND state = 'running' AND token = {mark}"
        )

    def enqueue(self, jobs: int) -> None:
        conn = self.connect()
        for _ in range(jobs):
            conn.execute(self.insert, (self.name, json.dumps(PAYLOAD)))
        conn.close()

    def worker(self) -> Callable[[], bool]:
        conn = self.connect()

        def step() -> bool:
            token = secrets.token_hex(16)
            rows = conn.execute(self.claim, (token, self.name)).fetchall()
            if not rows:
                return False
            json.loads(rows[0][1])
            conn.execute(self.complete, (rows[0][0], token))
            return True

        return step


RAW_REDIS_CLAIM = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREM', KEYS[1], first[1])
redis.call('ZADD', KEYS[2], ARGV[2], first[1])
redis.call('HSET', KEYS[4], first[1], ARGV[1])
return {first[1], redis.call('HGET', KEYS[3], first[1])}
"""
RAW_REDIS_COMPLETE = """
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('HDEL', KEYS[2], ARGV[1])
"""


def raw_redis(url: str, prefix: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The same queue by hand on redis-py: a sorted set of ready ids, a hash of payloads, a
    script to claim (fresh token, lease by the server) and one to complete (token checked)."""
    client = redis.Redis.from_url(url)
    keys = [f"{prefix}{{raw}}:{part}" for part in ("ready", "running", "jobs", "tokens")]
    claim = client.register_script(RAW_REDIS_CLAIM)
    complete = client.register_script(RAW_REDIS_COMPLETE)

    def enqueue(jobs: int) -> None:
        for n in range(jobs):
            pipe = client.pipeline(transaction=True)
            pipe.hset(keys[2], n, json.dumps(PAYLOAD))
            pipe.zadd(keys[0], {n: n})
            pipe.execute()

    def worker() -> Callable[[], bool]:
        def step() -> bool:
            token = secrets.token_hex(16)
            found = claim(keys=keys, args=[token, int(time.time() * 1000) + 30000])
            if not found:
                return False
            json.loads(found[1])
            complete(keys=[keys[1], keys[2], keys[3]], args=[found[0], token])
            return True

        return step

    return enqueue, worker


# -- measuring ------------------------------------------------------------------------------


def measure(backend: str, url: str, settings: Settings) -> list[Row]:
    """Per size and worker count: the best of ``rounds`` runs of each loop, the two taking
    turns so a busy machine slows both alike."""
    rows = []
    for jobs in settings.scaled(50):
        for count in WORKERS:
            ours = raw = 0.0
            for _ in range(settings.rounds_for(jobs)):
                tag = f"{backend}-{count}-{uuid.uuid4().hex[:6]}"
                if backend == "redis":
                    with redis_prefix(url) as prefix:
                        ours = max(ours, run_loop(*library(url, prefix, "bench"), jobs, count))
                        raw = max(raw, run_loop(*raw_redis(url, prefix), jobs, count))
                else:
                    prefix = f"agentstore_bench:{tag}:"
                    ours = max(ours, run_loop(*library(url, prefix, "bench"), jobs, count))
                    rawsql = RawSql(backend, _connector(backend, url), tag)
                    raw = max(raw, run_loop(rawsql.enqueue, rawsql.worker, jobs, count))
            target = QUEUE_ONE_WORKER if count == 1 else None
            case = f"{count} worker" + ("s" if count > 1 else "")
            rows.append(row("queue", case, backend, jobs, ours, "jobs/s", raw, "raw loop", target))
    return rows


def _connector(backend: str, url: str) -> Callable[[], Any]:
    if backend == "postgres":
        return lambda: psycopg.connect(libpq_url(url), autocommit=True)
    path = sqlite_path(url)

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    return connect


def run(settings: Settings) -> list[Row]:
    rows = []
    with postgres_database(settings.postgres) as url:
        rows += measure("postgres", url, settings)
    with sqlite_database() as url:
        rows += measure("sqlite", url, settings)
    rows += measure("redis", settings.redis, settings)
    return rows
