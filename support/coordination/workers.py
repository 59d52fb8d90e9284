"""What a queue worker runs, in a thread or a spawned process (kept light to import).

A worker claims, records the task's effect in the effect log, and completes, until nothing
is left: nothing ready, delayed or running. It rides out a server that drops its connection
(``BackendUnavailable``): it waits a moment and tries again, and a completion whose first try
reached the server before the drop is recognised when the retry hears "already done".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from agentstore import errors, open_queue
from agentstore.coordination import Job, Queue
from support.api import openers
from support.coordination.effects import EffectLog

T = TypeVar("T")
TIMEOUT = 90.0  # seconds for all workers; below pytest's timeout (120 s)
QUEUE = "tasks"


def retrying(call: Callable[[], T], deadline: float) -> T:
    """``call()``, tried again while the server is unreachable, until ``deadline``."""
    while True:
        try:
            return call()
        except errors.BackendUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def finish(queue: Queue, job: Job, deadline: float) -> None:
    """Complete ``job``; after a dropped connection, 'already done' means the first try took."""
    try:
        queue.complete(job)
        return
    except errors.BackendUnavailable:
        pass
    try:
        retrying(lambda: queue.complete(job), deadline)
    except errors.LeaseLost as error:
        if "already done" not in str(error):
            raise


def drain_queue(queue: Queue, log: EffectLog, worker: str, lease: float, deadline: float) -> int:
    """Do tasks until none is ready, delayed or running; returns how many this worker did."""
    done = 0
    while time.monotonic() < deadline:
        job = retrying(lambda: queue.claim(worker, lease=lease), deadline)
        if job is None:
            stats = retrying(queue.stats, deadline)
            if stats["ready"] + stats["delayed"] + stats["running"] == 0:
                return done
            time.sleep(0.05)
            continue
        log.record(job.payload["n"], worker, job.token)
        finish(queue, job, deadline)
        done += 1
    raise TimeoutError(f"worker {worker} still draining after {TIMEOUT} s")


def drain(
    url: str,
    prefix: str,
    effects: str,
    worker: str,
    lease: float,
    barrier: Any,
    api: openers.Api = "sync",
) -> None:
    """One worker: open the queue (through ``api``: ``--api``'s choice) and the effect log,
    wait for the others, drain."""
    opened = openers.open_queue(url, QUEUE, prefix=prefix, api=api)
    with opened as queue, EffectLog(effects) as log:
        queue.stats()  # connected before the start signal
        if barrier is not None:
            barrier.wait(TIMEOUT)
        drain_queue(queue, log, worker, lease, time.monotonic() + TIMEOUT)


def die_mid_task(url: str, prefix: str, lease: float, pipe: Any) -> None:
    """Claim a task, tell the parent which (id, token, attempts, max), then hang mid-task
    until killed."""
    with open_queue(url, QUEUE, prefix=prefix) as queue:
        job = queue.claim("doomed-worker", lease=lease)
        pipe.send((job.id, job.token, job.attempts, job.max_attempts))
        time.sleep(TIMEOUT)
