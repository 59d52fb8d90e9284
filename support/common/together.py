"""Many agents at once, in threads or in processes of their own: one place to start them.

Every worker waits at a barrier so all start together, does its share, and the caller checks
the outcome through the public API. Processes come from a fork server: one clean Python,
started once per pytest process with the worker modules already imported, forks each agent in
milliseconds; a spawned process would import Python, SQLAlchemy and agentstore afresh, which
cost the specification more than the work the agents do. The fork server holds no thread and
no connection, so each agent still opens connections of its own.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from typing import Any

#: What the fork server imports once, so that the agents it forks need not.
PRELOAD = ["support.memory.workers", "support.coordination.workers"]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def context() -> Any:
    """The multiprocessing context agent processes (and their barriers, pipes, values) use."""
    return _context


def run_together(
    kind: str,
    workers: int,
    target: Callable[..., None],
    args: Callable[[Any, int], tuple],
    timeout: float,
) -> None:
    """Start ``workers`` of ``kind`` (``"threads"`` or ``"processes"``) on ``target``, each
    with ``args(barrier, i)``; wait ``timeout`` seconds at most for all of them and fail if
    any failed or still runs."""
    if kind == "threads":
        _threads(workers, target, args, timeout)
    elif kind == "processes":
        _processes(workers, target, args, timeout)
    else:
        raise ValueError(f"agents run in processes or threads, not {kind!r}")


def _threads(
    workers: int, target: Callable[..., None], args: Callable[[Any, int], tuple], timeout: float
) -> None:
    barrier = threading.Barrier(workers)
    failures: list[BaseException] = []

    def guarded(*a: Any) -> None:
        try:
            target(*a)
        except BaseException as error:  # reported below, in the scenario's thread
            failures.append(error)
            barrier.abort()

    # daemon: a thread still stuck at the end (reported below) cannot keep pytest from exiting
    threads = [
        threading.Thread(target=guarded, args=args(barrier, i), daemon=True) for i in range(workers)
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    alive = sum(thread.is_alive() for thread in threads)
    if alive:
        barrier.abort()  # frees any thread still waiting to start
    assert not alive, f"{alive} of {workers} agent threads still running after {timeout:g} s"
    if failures:
        raise failures[0]


def _processes(
    workers: int, target: Callable[..., None], args: Callable[[Any, int], tuple], timeout: float
) -> None:
    barrier = _context.Barrier(workers)
    processes = [_context.Process(target=target, args=args(barrier, i)) for i in range(workers)]
    try:
        deadline = time.monotonic() + timeout
        for process in processes:
            process.start()
        for process in processes:
            process.join(max(deadline - time.monotonic(), 0))
        alive = sum(process.is_alive() for process in processes)
        assert not alive, f"{alive} of {workers} agent processes still running after {timeout:g} s"
        failed = [p.exitcode for p in processes if p.exitcode != 0]
        assert not failed, f"{len(failed)} of {workers} agent processes failed: exit codes {failed}"
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(5)
