"""Many agents at once: separate processes (spawned, each with its own connections) or threads.

Every worker opens its own memory, waits at a barrier so all start together, and does its
share of the work; the caller then checks the outcome through the public API.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from typing import Any

from harness.isolation.places import Isolated
from support import api_binding
from support.memory_workers import TIMEOUT as _TIMEOUT
from support.memory_workers import claim as _claim
from support.memory_workers import increment as _increment


def increment_together(place: Isolated, key: str, agents: int, times: int, kind: str) -> None:
    """``agents`` workers (``"processes"`` or ``"threads"``) each increment ``key`` ``times``."""
    run_together(
        kind,
        agents,
        _increment,
        lambda barrier, _: (place.url, place.prefix, key, times, barrier, api_binding.selected),
    )


def claim_together(place: Isolated, key: str, agents: int, kind: str) -> int:
    """``agents`` workers race to claim ``key`` (set it only if unset); returns how many won."""
    wins = multiprocessing.get_context("spawn").Value("i", 0)
    run_together(
        kind,
        agents,
        _claim,
        lambda barrier, i: (
            place.url,
            place.prefix,
            key,
            f"agent-{i}",
            barrier,
            wins,
            api_binding.selected,
        ),
    )
    return wins.value


def run_together(
    kind: str, agents: int, target: Callable[..., None], args: Callable[[Any, int], tuple]
) -> None:
    """Start ``agents`` workers of ``kind`` on ``target`` together; fail if any of them fails.

    Workers get ``_TIMEOUT`` seconds in all, less than pytest's own timeout, so a hang fails
    here with a message and no worker outlives the scenario.
    """
    if kind == "threads":
        _run_threads(agents, target, args)
    elif kind == "processes":
        _run_processes(agents, target, args)
    else:
        raise ValueError(f"agents run in processes or threads, not {kind!r}")


def _run_threads(
    agents: int, target: Callable[..., None], args: Callable[[Any, int], tuple]
) -> None:
    barrier = threading.Barrier(agents)
    errors: list[BaseException] = []

    def guarded(*a: Any) -> None:
        try:
            target(*a)
        except BaseException as exc:  # reported below, in the scenario's thread
            errors.append(exc)
            barrier.abort()

    # daemon: a thread still stuck at the end (reported below) cannot keep pytest from exiting
    workers = [
        threading.Thread(target=guarded, args=args(barrier, i), daemon=True) for i in range(agents)
    ]
    deadline = time.monotonic() + _TIMEOUT
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(deadline - time.monotonic(), 0))
    alive = sum(worker.is_alive() for worker in workers)
    if alive:
        barrier.abort()  # frees any thread still waiting to start
    assert not alive, f"{alive} of {agents} agent threads still running after {_TIMEOUT} s"
    if errors:
        raise errors[0]


def _run_processes(
    agents: int, target: Callable[..., None], args: Callable[[Any, int], tuple]
) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(agents)
    processes = [ctx.Process(target=target, args=args(barrier, i)) for i in range(agents)]
    try:
        deadline = time.monotonic() + _TIMEOUT
        for process in processes:
            process.start()
        for process in processes:
            process.join(max(deadline - time.monotonic(), 0))
        alive = sum(process.is_alive() for process in processes)
        assert not alive, f"{alive} of {agents} agent processes still running after {_TIMEOUT} s"
        failed = [p.exitcode for p in processes if p.exitcode != 0]
        assert not failed, f"{len(failed)} of {agents} agent processes failed: exit codes {failed}"
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(5)
