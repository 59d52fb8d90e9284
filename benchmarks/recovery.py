"""Recovery time: from a restarted server answering again to an agent's first successful call.

For PostgreSQL and Redis (throwaway servers of the faults harness, never the shared ones),
each run stops the server hard, starts it again on the same port and data, and, from the
moment it answers an administrator's connection, has the same open memory call until a call
succeeds. Two kinds of agent: one that was idle during the outage (its pooled connections are
stale), and one whose call failed during the outage. Rows: the median milliseconds, and
the median number of calls refused before the first success (0: the first call succeeded).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from typing import Any

from agentstore import MemoryStore, open_memory
from agentstore.errors import AgentstoreError
from benchmarks.common import Row, Settings, row
from harness.servers.faults import FaultServers
from support.records.schema import pytest_agentstore_prepare_template as migrate

GIVE_UP_SECONDS = 30.0


def first_success(memory: MemoryStore) -> tuple[float, int]:
    """Milliseconds until a call succeeds, and how many calls were refused before it."""
    started, refused = time.monotonic(), 0
    while True:
        try:
            memory.retrieve("aqe/status")
        except AgentstoreError:
            refused += 1
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise
            continue
        return (time.monotonic() - started) * 1000, refused


def measure(
    memory: MemoryStore, server: Any, runs: int, call_during_outage: bool
) -> tuple[float, float]:
    """Median ms and median refusals over ``runs`` restarts."""
    times, refusals = [], []
    for _ in range(runs):
        memory.store("aqe/status", "working")
        server.stop_hard()
        if call_during_outage:
            with contextlib.suppress(AgentstoreError):
                memory.retrieve("aqe/status")
        server.start()
        ms, refused = first_success(memory)
        times.append(ms)
        refusals.append(refused)
    return statistics.median(times), statistics.median(refusals)


def run(settings: Settings) -> list[Row]:
    runs = 3 if settings.quick else 9
    rows = []
    servers = FaultServers()
    try:
        pg = servers.postgres()
        pg_url = pg.create_database("agentstore_recovery")
        migrate(pg_url)
        redis_server = servers.redis()
        redis_server.keep("aof")
        for backend, url, server in (
            ("postgres", pg_url, pg),
            ("redis", redis_server.url, redis_server),
        ):
            memory = open_memory(url, prefix="bench:")
            try:
                for during, label in ((False, "idle during the outage"), (True, "met it")):
                    ms, refused = measure(memory, server, runs, during)
                    case = f"first call after a restart, agent {label}"
                    rows.append(row("recovery", case, backend, runs, ms, "ms"))
                    rows.append(
                        row(
                            "recovery",
                            f"calls refused, agent {label}",
                            backend,
                            runs,
                            refused,
                            "calls",
                        )
                    )
            finally:
                memory.close()
    finally:
        servers.close()
    return rows
