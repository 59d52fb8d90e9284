"""What every benchmark family shares: its settings, timing, rows and targets, and places of
its own on the servers (a database, a SQLite file, a Redis key prefix), removed afterwards.

A family is a function ``run(settings) -> list[Row]``; a row holds one figure of ours, the
reference it is measured against on the same server in the same process, the ratio
ours / reference and, where the project sets one, the target it must meet.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from psycopg import sql

from agentstore import Database
from agentstore.urls import libpq_url

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)


@dataclass
class Settings:
    """What a family needs to know: the servers, how much to do, and how often."""

    postgres: str = os.environ.get(
        "AGENTSTORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    redis: str = os.environ.get("AGENTSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    cluster: str | None = os.environ.get("AGENTSTORE_TEST_REDIS_CLUSTER_URL")
    quick: bool = False
    sizes: tuple[int, ...] = SIZES
    rounds: int = 3
    notes: list[str] = field(default_factory=list)

    def scaled(self, divisor: int) -> tuple[int, ...]:
        """The sizes divided by ``divisor`` (at least 10): for work far dearer per item, one
        round trip or more each, so that a full run stays within minutes."""
        return tuple(max(10, size // divisor) for size in self.sizes)

    def rounds_for(self, size: int) -> int:
        """Rounds at ``size``: one at 10,000 and more, long enough to average out noise."""
        return self.rounds if size < 10_000 else 1

    def skip(self, family: str, reason: str) -> list[Row]:
        """Say once, on stdout and in the report, why a family measured nothing."""
        note = f"{family}: skipped: {reason}"
        print(note, flush=True)
        self.notes.append(note)
        return []


@dataclass(frozen=True)
class Target:
    """A bound one figure must keep: ``on`` is ``"ratio"`` or ``"ours"``."""

    on: str
    op: str  # ">=" or "<="
    value: float
    unit: str = ""

    def met(self, ours: float, ratio: float | None) -> bool | None:
        figure = ratio if self.on == "ratio" else ours
        if figure is None:
            return None
        return figure >= self.value if self.op == ">=" else figure <= self.value

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.on} {self.op} {self.value:g}{unit}"


MEMORY_SINGLE = Target("ratio", ">=", 0.85)
MEMORY_BATCH = Target("ratio", ">=", 0.5)
QUEUE_ONE_WORKER = Target("ratio", ">=", 0.7)
BACKUP_RESTORE = Target("ratio", "<=", 1.5)
ISOLATION_MS = {
    "postgres": Target("ours", "<=", 25, "ms"),
    "redis": Target("ours", "<=", 2, "ms"),
    "sqlite": Target("ours", "<=", 5, "ms"),
}
SEED_SECONDS = Target("ours", "<=", 5, "s")
SPEC_CORE_SECONDS = Target("ours", "<=", 50, "core-s")
SPEC_WALL_SECONDS = Target("ours", "<=", 60, "s")
SPEC_BUSY_SHARE = Target("ours", ">=", 0.85)

Row = dict[str, Any]


def row(
    family: str,
    case: str,
    backend: str,
    size: int | None,
    ours: float,
    unit: str,
    reference: float | None = None,
    reference_name: str | None = None,
    target: Target | None = None,
) -> Row:
    """One figure; ``ratio`` is ours / reference (``None`` without a reference)."""
    ratio = ours / reference if reference else None
    return {
        "family": family,
        "case": case,
        "backend": backend,
        "size": size,
        "ours": ours,
        "reference": reference,
        "reference_name": reference_name,
        "unit": unit,
        "ratio": ratio,
        "target": str(target) if target else None,
        "pass": target.met(ours, ratio) if target else None,
    }


# -- timing -----------------------------------------------------------------------------------


def rate(run: Callable[[], int]) -> float:
    """Items per second of one call of ``run`` (which returns how many items it did)."""
    start = time.perf_counter()
    done = run()
    return done / (time.perf_counter() - start)


def seconds(action: Callable[[], object]) -> float:
    """Wall seconds of one call of ``action``."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def best_rates(runs: dict[str, Callable[[], int]], rounds: int) -> dict[str, float]:
    """The best rate of each run over ``rounds`` interleaved rounds, so that the machine's
    noise hits every contender alike."""
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            best[name] = max(best[name], rate(run))
    return best


def median_seconds(action: Callable[[], float], runs: int) -> float:
    """The median of ``runs`` calls of ``action``, which returns the seconds it measured."""
    return statistics.median(action() for _ in range(runs))


# -- places of our own ------------------------------------------------------------------------


def keys(n: int, tag: str) -> list[str]:
    return [f"aqe/bench/{tag}/{i}" for i in range(n)]


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def postgres_database(server: str, migrated: bool = True) -> Iterator[str]:
    """A database of its own on ``server`` (``agentstore_bench_<random>``), dropped after."""
    name = f"agentstore_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(server), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = server.rsplit("/", 1)[0] + "/" + name
        try:
            if migrated:
                migrate(url)
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def sqlite_database(migrated: bool = True) -> Iterator[str]:
    """A SQLite file of its own in a temporary folder, removed after."""
    with tempfile.TemporaryDirectory(prefix="agentstore-bench-") as folder:
        path = Path(folder) / "bench.db"
        path.touch()
        url = f"sqlite:///{path}"
        if migrated:
            migrate(url)
        yield url


def migrate(url: str) -> None:
    with Database(url) as database:
        database.upgrade("head")


@contextmanager
def redis_prefix(url: str) -> Iterator[str]:
    """A key prefix of its own on ``url``; every key under it is removed after."""
    prefix = f"agentstore_bench:{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        doomed = list(client.scan_iter(match=prefix + "*", count=1000))
        for batch in chunks(doomed, 500):
            client.unlink(*batch)
        client.close()


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")
