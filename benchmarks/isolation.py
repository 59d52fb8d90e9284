"""What the harness costs a scenario: its own place on each backend, and (full runs only) a
throwaway server's start-up.

Medians in milliseconds, with the suite's own provisioning ladder and isolation code on the
servers the ladder finds. Targets per scenario: PostgreSQL <= 25 ms, Redis <= 2 ms,
SQLite <= 5 ms.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

from benchmarks.common import ISOLATION_MS, Row, Settings, row, seconds
from harness.isolation.postgres_cloner import PostgresCloner
from harness.isolation.redis_keys import delete_prefixed
from harness.servers.ladder import Provisioner
from support.records.schema import pytest_agentstore_prepare_template as migrate_template


def median_ms(action: Callable[[], object], runs: int) -> float:
    return statistics.median(seconds(action) * 1000 for _ in range(runs))


def postgres(provisioner: Provisioner, runs: int) -> list[Row]:
    pg = provisioner.provision("postgres")
    cloner = PostgresCloner(pg.url, f"bench{uuid.uuid4().hex[:6]}", migrate_template)
    try:

        def back_to_back() -> None:
            cloner.drop(cloner.clone().rpartition("/")[2])

        worst = median_ms(back_to_back, runs)
        waits = []
        for _ in range(runs):
            time.sleep(0.3)  # a scenario's own work, during which the next clone is made
            waits.append(median_ms(back_to_back, 1))
    finally:
        cloner.close()
    return [
        row(
            "isolation",
            "scenario after 300 ms of work",
            "postgres",
            None,
            statistics.median(waits),
            "ms",
            target=ISOLATION_MS["postgres"],
        ),
        row("isolation", "scenarios back to back", "postgres", None, worst, "ms"),
    ]


def sqlite(runs: int) -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="agentstore-bench-"))
    try:
        template = folder / "template.db"
        migrate_template(f"sqlite:///{template}")
        counter = iter(range(10**9))

        def copy_file() -> None:
            target = folder / f"s{next(counter)}.db"
            shutil.copyfile(template, target)
            target.unlink()

        took = median_ms(copy_file, runs)
    finally:
        shutil.rmtree(folder)
    return [
        row(
            "isolation",
            "scenario (copy the migrated file)",
            "sqlite",
            None,
            took,
            "ms",
            target=ISOLATION_MS["sqlite"],
        )
    ]


def redis_keys(provisioner: Provisioner, runs: int) -> list[Row]:
    url = provisioner.provision("redis").url
    client = redis.Redis.from_url(url)

    def prefix_cleanup() -> None:
        prefix = f"agentstore_test:bench:{uuid.uuid4().hex}:"
        client.mset({f"{prefix}{i}": i for i in range(50)})
        delete_prefixed(url, prefix)

    try:
        took = median_ms(prefix_cleanup, runs)
    finally:
        client.close()
    return [
        row(
            "isolation",
            "scenario (50 keys, then cleanup)",
            "redis",
            None,
            took,
            "ms",
            target=ISOLATION_MS["redis"],
        )
    ]


def startups(provisioner: Provisioner) -> list[Row]:
    rows = []
    for backend in ("postgres", "redis"):
        starts = []
        for _ in range(3):
            starts.append(provisioner.provision(backend, "spawn").startup_seconds * 1000)
            provisioner.stop_all()
        rows.append(
            row(
                "isolation",
                "throwaway server start-up",
                backend,
                None,
                statistics.median(starts),
                "ms",
            )
        )
    return rows


def run(settings: Settings) -> list[Row]:
    runs = 3 if settings.quick else 15
    provisioner = Provisioner()
    try:
        rows = [] if settings.quick else startups(provisioner)
        return rows + postgres(provisioner, runs) + sqlite(runs) + redis_keys(provisioner, runs)
    finally:
        provisioner.stop_all()
