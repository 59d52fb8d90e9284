"""Many agents at once: separate processes (spawned, each with its own connections) or threads.

Every worker opens its own memory, waits at a barrier so all start together, and does its
share of the work; the caller then checks the outcome through the public API.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from support.isolation import Isolated
from support.memory_workers import TIMEOUT as _TIMEOUT
from support.memory_workers import claim as _claim
from support.memory_workers import increment as _increment


def increment_together(place: Isolated, key: str, agents: int, times: int, kind: str) -> None:
    """``agents`` workers (``"processes"`` or ``"threads"``) each increment ``key`` ``times``."""
    run_together(
        kind, agents, _increment, lambda barrier, _: (place.url, place.prefix, key, times, barrier)
    )


def claim_together(place: Isolated, key: str, agents: int, kind: str) -> int:
    """``agents`` workers race to claim ``key`` (set it only if unset); returns how many won."""
    wins = multiprocessing.get_context("spawn").Value("i", 0)
    run_together(
        kind,
        agents,
        _claim,
        lambda barrier, i: (place.url, place.prefix, key, f"agent-{i}", barrier, wins),
    )
    return wins.value


def run_together(
    kind: str, agents: int, target: Callable[..., None], args: Callable[[Any, int], tuple]
) -> None:
    """Start ``agents`` workers of ``kind`` on ``target`` together; fail if any of them fails."""
    if kind == "threads":
        barrier = threading.Barrier(agents)
        errors: list[BaseException] = []

        def guarded(*a: Any) -> None:
            try:
                target(*a)
            except BaseException as exc:  # reported below, in the scenario's thread
                errors.append(exc)
                barrier.abort()

        workers = [threading.Thread(target=guarded, args=args(barrier, i)) for i in range(agents)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(_TIMEOUT)
        if errors:
            raise errors[0]
        return
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(agents)
    processes = [ctx.Process(target=target, args=args(barrier, i)) for i in range(agents)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(_TIMEOUT)
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    for process in processes:
        if process.is_alive():
            process.kill()
    assert not failed, f"{len(failed)} of {agents} agent processes failed: exit codes {failed}"
