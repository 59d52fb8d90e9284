"""Work-queue speed next to the raw client on the same server, in the same run.

    python -m benchmarks.work_queue [--postgres URL] [--redis URL] [--jobs N] [--workers 1,2,4]

(run as a module from the repository root: as a script, this file would shadow the standard
library's ``queue`` module.)

Jobs per second through enqueue -> claim -> complete, with 1, 2 and 4 worker threads per
backend: first agentstore's queue, then the same loop written directly on the raw client
(psycopg / sqlite3 / redis-py) doing the same work - a JSON payload in, a claim with a
fresh token and a lease by the server's clock, a completion that checks the token - and
the ratio of the two. Target: 1 worker >= 0.7x raw. Everything runs in a database / file /
key prefix of its own, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from agentstore import Database, open_queue
from agentstore.urls import libpq_url

PAYLOAD = {"task": "summarise", "document": 1234, "words": 350}
TARGET = 0.7
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


def library(url: str, prefix: str, name: str) -> tuple[Callable, Callable]:
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


def raw_redis(url: str, prefix: str) -> tuple[Callable, Callable]:
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


# -- places of our own ----------------------------------------------------------------------


@contextmanager
def postgres_place(server: str) -> Iterator[str]:
    name = f"agentstore_bench_queue_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(libpq_url(server), autocommit=True)
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        database = Database(url)
        database.upgrade("head")
        database.dispose()
        yield url
    finally:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@contextmanager
def sqlite_place() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        database = Database(url)
        database.upgrade("head")
        database.dispose()
        yield url


def clean_redis(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.unlink(key)
    client.close()


# -- the report -----------------------------------------------------------------------------


def measure(backend: str, url: str, jobs: int, workers: list[int], repeat: int) -> list[tuple]:
    """Per worker count: the best of ``repeat`` runs of each loop, the two taking turns so a
    busy machine slows both alike."""
    rows = []
    for count in workers:
        ours = raw = 0.0
        for _ in range(repeat):
            tag = f"{backend}-{count}-{uuid.uuid4().hex[:6]}"
            prefix = f"agentstore_bench:{tag}:"
            ours = max(ours, run_loop(*library(url, prefix, "bench"), jobs, count))
            if backend == "redis":
                raw = max(raw, run_loop(*raw_redis(url, prefix), jobs, count))
                clean_redis(url, prefix)
            else:
                rawsql = RawSql(backend, _connector(backend, url), tag)
                raw = max(raw, run_loop(rawsql.enqueue, rawsql.worker, jobs, count))
        rows.append((backend, count, ours, raw, ours / raw))
    return rows


def _connector(backend: str, url: str) -> Callable[[], object]:
    if backend == "postgres":
        return lambda: psycopg.connect(libpq_url(url), autocommit=True)
    path = url.removeprefix("sqlite:///")

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    return connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="postgres,sqlite,redis")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")]
    rows = []
    for backend in args.backends.split(","):
        if backend == "postgres":
            with postgres_place(args.postgres) as url:
                rows += measure(backend, url, args.jobs, workers, args.repeat)
        elif backend == "sqlite":
            with sqlite_place() as url:
                rows += measure(backend, url, args.jobs, workers, args.repeat)
        else:
            rows += measure(backend, args.redis, args.jobs, workers, args.repeat)
    print(f"{'backend':<10}{'workers':>8}{'agentstore jobs/s':>20}{'raw jobs/s':>14}{'ratio':>8}")
    for backend, count, ours, raw, ratio in rows:
        flag = "" if count != 1 or ratio >= TARGET else f"  (below {TARGET}x)"
        print(f"{backend:<10}{count:>8}{ours:>20,.0f}{raw:>14,.0f}{ratio:>8.2f}{flag}")


if __name__ == "__main__":
    main()
