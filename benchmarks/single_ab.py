"""A/B of the one-request fast path (``driving.Single``) against the generator it replaced.

    python -m benchmarks.single_ab [--rounds 40] [--calls 1000]

One process, one migrated SQLite file, one sync and one asyncio store: each round times
``calls`` retrieves and stores with the operations as they are (B, a ``Single``) and
with the generator versions they replaced (A), back to back, the order alternating by
round. Timed in CPU time of the process (aiosqlite's thread included), which a machine
shared with other work disturbs far less than the wall clock. Prints the median
microseconds per call of each and the median of the rounds' B / A.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from agentstore import open_memory
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.driving import ONE, Operation, Read, Statement
from agentstore.memory.sql_operations import SqlOperations
from agentstore.memory.validation import check_key, check_store, decode
from benchmarks.common import sqlite_database

VALUE = {"state": "idle", "action": "explore", "q": 0.25, "visits": 17}


class GeneratorOperations:
    """A store's operations with ``store`` and ``retrieve`` as they were before ``Single``:
    generators; every other call is the store's own."""

    def __init__(self, ops: SqlOperations) -> None:
        self._ops = ops

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ops, name)

    def store(self, key: str, value: Any, ttl: float | None, partition: str) -> Operation[None]:
        ops = self._ops
        text, size, ttl = check_store(key, value, ttl, partition, ops.namespace)
        yield Statement(ops._sql.upsert, ops._row(key, text, size, ttl, partition))

    def retrieve(self, key: str, default: Any) -> Operation[Any]:
        ops = self._ops
        check_key(key, ops.namespace)
        params = {"p_prefix": ops.prefix, "p_key": key}
        row = yield Read(ops._sql.get, params, ONE)
        return default if row is None else decode(row[0])


def _sync_us(call: Callable[[str], Any], keys: list[str]) -> float:
    started = time.process_time()
    for key in keys:
        call(key)
    return (time.process_time() - started) / len(keys) * 1e6


async def _async_us(call: Callable[[str], Any], keys: list[str]) -> float:
    started = time.process_time()
    for key in keys:
        await call(key)
    return (time.process_time() - started) / len(keys) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.single_ab")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args(argv)
    keys = [f"aqe/k{i}" for i in range(args.calls)]
    samples: dict[tuple[str, str, str], list[float]] = {}
    with sqlite_database() as url:
        sync: Any = open_memory(url)

        async def measure() -> None:
            amem: Any
            async with open_async_memory(url) as amem:
                own, aown = sync._ops, amem._ops

                def sync_store(key: str) -> None:
                    sync.store(key, VALUE)

                def async_store(key: str) -> Any:
                    return amem.store(key, VALUE)

                for key in keys:  # every store that is timed replaces a row
                    sync_store(key)
                for round_ in range(args.rounds):
                    order = (True, False) if round_ % 2 == 0 else (False, True)
                    for generators in order:
                        label = "A generator" if generators else "B single"
                        sync._ops = GeneratorOperations(own) if generators else own
                        amem._ops = GeneratorOperations(aown) if generators else aown
                        for op, call, acall in (
                            ("store", sync_store, async_store),
                            ("retrieve", sync.retrieve, amem.retrieve),
                        ):
                            samples.setdefault(("sync", op, label), []).append(_sync_us(call, keys))
                            samples.setdefault(("async", op, label), []).append(
                                await _async_us(acall, keys)
                            )

        asyncio.run(measure())
        sync.close()
    print(f"{args.rounds} rounds x {args.calls} calls, median CPU us per call (SQLite file)")
    for api in ("sync", "async"):
        for op in ("store", "retrieve"):
            a_runs, b_runs = samples[(api, op, "A generator")], samples[(api, op, "B single")]
            a, b = statistics.median(a_runs), statistics.median(b_runs)
            paired = statistics.median(y / x for x, y in zip(a_runs, b_runs, strict=True))
            print(
                f"{api:5} {op:8}  A generator {a:7.2f}  B single {b:7.2f}"
                f"  B/A {b / a:.3f}  paired B/A {paired:.3f}"
            )


if __name__ == "__main__":
    main()
