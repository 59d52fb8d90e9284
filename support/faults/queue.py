"""Agents taking tasks from a queue while its server restarts, and the tally of what they did.

Each agent (a thread with a queue of its own on the scenario's place) claims a task, works on
it a moment and completes it, until nothing is ready, delayed or running. A call refused with
``BackendUnavailable`` is tried again after a short pause. A task counts as completed only
when ``complete()`` returned: the tally is kept here, in the test's own memory under a lock,
never on the server being faulted. A completion refused with ``LeaseLost`` (the lease lapsed
during the outage and another agent took the task over) does not count.

One answer stays open: a completion whose reply was lost with the server and whose retry hears
"already done" (its first try may have taken, or another claim's did). It is kept apart as
*unsure* and may stand in only for a task no acknowledged completion covers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from agentstore import Job, open_queue
from agentstore.coordination import Queue
from agentstore.errors import BackendUnavailable, LeaseLost
from harness.servers.faults_plugin import FaultPlace
from support.common.expect import expect, expect_that
from support.coordination.workers import QUEUE, TIMEOUT
from support.coordination.workloads import run_workers

T = TypeVar("T")
#: How long an agent works on a task: long enough that the restart falls mid-run.
WORK_SECONDS = 0.05
PAUSE_AFTER_REFUSAL = 0.05
#: The server stops once this many tasks were completed.
RESTART_AFTER = 20
#: The server stays down this much longer than a lease, so every claim held at the stop
#: lapses and may be taken over when it is back.
DOWN_BEYOND_LEASE = 0.5
#: Claims a task may use: never the limit here (exactly once is the rule, not retries).
MAX_ATTEMPTS = 10


@dataclass
class Tally:
    """What the agents were told, kept apart from the faulted server."""

    completed: Counter[int] = field(default_factory=Counter)
    unsure: Counter[int] = field(default_factory=Counter)
    taken_over: int = 0
    refusals: int = 0
    completed_after_restart: int = 0
    restarted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def complete(self, task: int) -> None:
        with self.lock:
            self.completed[task] += 1
            self.completed_after_restart += self.restarted

    def total(self) -> int:
        with self.lock:
            return sum(self.completed.values())

    def summary(self) -> str:
        with self.lock:
            return (
                f"{sum(self.completed.values())} completions acknowledged"
                f" ({self.completed_after_restart} after the restart), {len(self.unsure)} unsure,"
                f" {self.taken_over} refused as taken over, {self.refusals} calls refused"
            )


def fill(place: FaultPlace, count: int) -> None:
    """Enqueue tasks 0 .. count-1 on the scenario's queue, each payload naming its number."""
    with open_queue(place.url, QUEUE, prefix=place.prefix) as queue:
        for n in range(count):
            queue.enqueue({"n": n}, max_attempts=MAX_ATTEMPTS)


def through_restart(place: FaultPlace, agents: int, lease: float) -> Tally:
    """``agents`` threads drain the queue; once ``RESTART_AFTER`` tasks are completed the
    server stops hard, stays down longer than a lease, and starts again; they carry on."""
    tally = Tally()
    deadline = time.monotonic() + TIMEOUT
    stop = threading.Event()
    faults: list[BaseException] = []

    def restarter() -> None:
        try:
            while tally.total() < RESTART_AFTER:
                if stop.wait(0.01):
                    return
            server = place.server
            server.stop_hard()
            time.sleep(lease + DOWN_BEYOND_LEASE)  # every claim held at the stop lapses
            server.start()
            tally.restarted = True
        except BaseException as error:  # reported in the scenario's thread
            faults.append(error)

    thread = threading.Thread(target=restarter, daemon=True)
    thread.start()
    try:
        run_workers(
            "threads",
            agents,
            _agent,
            lambda barrier, i: (place, f"agent-{i}", lease, tally, deadline, barrier),
        )
    finally:
        stop.set()
        thread.join(TIMEOUT)
    if faults:
        raise faults[0]
    return tally


def _agent(
    place: FaultPlace, name: str, lease: float, tally: Tally, deadline: float, barrier: Any
) -> None:
    with open_queue(place.url, QUEUE, prefix=place.prefix) as queue:
        queue.stats()  # connected before the start signal
        barrier.wait(TIMEOUT)
        while True:
            job = _retrying(lambda: queue.claim(name, lease=lease), tally, deadline)
            if job is None:
                stats = _retrying(queue.stats, tally, deadline)
                if stats["ready"] + stats["delayed"] + stats["running"] == 0:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} still waiting for tasks after {TIMEOUT:g} s")
                time.sleep(PAUSE_AFTER_REFUSAL)
                continue
            time.sleep(WORK_SECONDS)
            _finish(queue, job, tally, deadline)


def _retrying(call: Callable[[], T], tally: Tally, deadline: float) -> T:
    """``call()``, tried again after a pause while the server is unreachable."""
    while True:
        try:
            return call()
        except BackendUnavailable:
            with tally.lock:
                tally.refusals += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(PAUSE_AFTER_REFUSAL)


def _finish(queue: Queue, job: Job, tally: Tally, deadline: float) -> None:
    """Complete ``job``; counted only once ``complete()`` returned."""
    task = job.payload["n"]
    try:
        queue.complete(job)
    except LeaseLost:
        with tally.lock:
            tally.taken_over += 1
        return
    except BackendUnavailable:
        with tally.lock:
            tally.refusals += 1
        _finish_after_lost_reply(queue, job, task, tally, deadline)
        return
    tally.complete(task)


def _finish_after_lost_reply(
    queue: Queue, job: Job, task: int, tally: Tally, deadline: float
) -> None:
    try:
        _retrying(lambda: queue.complete(job), tally, deadline)
    except LeaseLost as error:
        with tally.lock:
            if "already done" in str(error):
                tally.unsure[task] += 1
            else:
                tally.taken_over += 1
        return
    tally.complete(task)


def check_exactly_once(tally: Tally, count: int) -> None:
    """Each task completed once: no task acknowledged twice, none without a completion (an
    unsure one stands in only where nothing was acknowledged)."""
    repeated = sorted(task for task, times in tally.completed.items() if times > 1)
    covered = set(tally.completed) | set(tally.unsure)
    missing = sorted(set(range(count)) - covered)
    strays = sorted(covered - set(range(count)))
    expect_that(
        not (repeated or missing or strays),
        f"each of the {count} tasks completed once",
        f"repeated {repeated[:20]}, missing {missing[:20]}, never enqueued {strays[:20]}",
    )


def check_mid_run(tally: Tally) -> None:
    """The server restarted with tasks completed before it stopped and after it came back
    (calls refused meanwhile are counted, not required: a client may ride a short outage)."""
    expect_that(tally.restarted, "the server restarted", "it never did")
    before = tally.total() - tally.completed_after_restart
    expect_that(
        before >= RESTART_AFTER,
        f"at least {RESTART_AFTER} tasks completed before the restart",
        f"{before}",
    )
    after = tally.completed_after_restart
    expect_that(after > 0, "tasks completed after the restart", f"none ({tally.summary()})")


def check_queue_drained(place: FaultPlace, count: int) -> None:
    """The queue's own word: every task done, none left waiting, running or dead."""
    with open_queue(place.url, QUEUE, prefix=place.prefix) as queue:
        stats = queue.stats()
    expect(stats["done"], count, "the number of tasks done to be")
    left = {state: stats[state] for state in ("ready", "delayed", "running", "dead")}
    expect(left, dict.fromkeys(left, 0), "no task left, that is")
