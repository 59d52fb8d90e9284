"""Workloads for the coordination rules: workers draining a queue in threads or processes,
a worker killed mid-task, a server dropping connections mid-run, agents racing for a lease.

Everything goes through the public API; the effect log (``coordination_effects``) is the
independent record the Then steps count, and ``support.underneath.sql`` is the one place that
asks the server to drop connections (only those of the scenario's own database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentstore import Database, Job, Lease
from agentstore.coordination import Leases, Queue
from harness.isolation.places import Isolated
from support.api import openers
from support.common import together
from support.coordination.effects import EffectLog
from support.coordination.workers import QUEUE, TIMEOUT, die_mid_task, drain
from support.underneath import sql as inspect_db


def fill(queue: Queue, count: int) -> None:
    """Enqueue tasks 0 .. count-1, each payload naming its number."""
    for n in range(count):
        queue.enqueue({"n": n})


def run_workers(kind: str, workers: int, target: Callable[..., None], args: Callable) -> None:
    """Start ``workers`` of ``kind`` (threads or processes) on ``target`` together; wait for
    all of them (``TIMEOUT`` at most) and fail if any failed or still runs."""
    together.run_together(kind, workers, target, args, TIMEOUT + 5)


def drain_together(place: Isolated, effects: Path, workers: int, kind: str, lease: float) -> None:
    """``workers`` workers drain the scenario's queue, each effect going to ``effects``."""
    run_workers(
        kind,
        workers,
        drain,
        lambda barrier, i: (
            place.url,
            place.prefix,
            str(effects),
            f"w{i}",
            lease,
            barrier,
            openers.api(),
        ),
    )


def kill_mid_task(place: Isolated, lease: float) -> Job:
    """A worker process claims a task and is killed (SIGKILL) before finishing it; returns
    the claim it held, as it would present it if it came back."""
    ctx = together.context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=die_mid_task, args=(place.url, place.prefix, lease, sender))
    process.start()
    try:
        assert receiver.poll(TIMEOUT), "the doomed worker never claimed a task"
        job_id, token, attempts, max_attempts = receiver.recv()
    finally:
        process.kill()  # SIGKILL: no cleanup, no goodbye
        process.join(10)
    assert process.exitcode == -9, f"the worker ended with {process.exitcode}, not SIGKILL"
    return Job(job_id, QUEUE, None, attempts, token, max_attempts)


def take_over(queue: Queue, lapsed: Job, timeout: float = 30.0) -> Job:
    """Claim until the job of a lapsed claim comes back to a worker of ours."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.claim("rescuer", lease=30)
        if job is not None:
            assert job.id == lapsed.id, f"expected job {lapsed.id} back, got {job.id}"
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {lapsed.id} was not claimable {timeout} s after its lease")


@dataclass
class Drops:
    """How many connections the server dropped, each time it was told to."""

    terminated: list[int] = field(default_factory=list)


def drain_while_dropping(
    place: Isolated, effects: Path, workers: int, lease: float, at: list[int]
) -> Drops:
    """Threads drain the queue while the server terminates every connection to the
    scenario's own database each time the effect log reaches a count in ``at``."""
    drops = Drops()
    stop = threading.Event()

    def dropper() -> None:
        database = Database(place.url)
        try:
            with EffectLog(effects) as log:
                for threshold in at:
                    while log.total() < threshold and not stop.wait(0.01):
                        pass
                    if stop.is_set():
                        return
                    drops.terminated.append(inspect_db.terminate_connections(database))
        finally:
            database.dispose()

    thread = threading.Thread(target=dropper, daemon=True)
    thread.start()
    try:
        drain_together(place, effects, workers, "threads", lease)
    finally:
        stop.set()
        thread.join(10)
    return drops


def race_for_lease(leases: Leases, name: str, agents: int, ttl: float) -> list[Lease]:
    """``agents`` threads try to acquire ``name`` at the same moment; the leases won."""
    won: list[Lease] = []
    run_workers(
        "threads",
        agents,
        lambda barrier, i: _race(leases, name, f"agent-{i}", ttl, barrier, won),
        lambda barrier, i: (barrier, i),
    )
    return won


def _race(leases: Leases, name: str, owner: str, ttl: float, barrier: Any, won: list) -> None:
    barrier.wait(TIMEOUT)
    lease = leases.acquire(name, owner, ttl)
    if lease is not None:
        won.append(lease)


def take_in_turn(leases: Leases, name: str, agents: int, short: float) -> list[int]:
    """Agents take ``name`` one after another, alternately releasing it and letting it
    expire (``short`` seconds); the tokens they got, in order."""
    tokens = []
    for n in range(agents):
        expiring = n % 2 == 1
        lease = leases.acquire(name, f"agent-{n}", short if expiring else 30.0)
        assert lease is not None, f"agent-{n} could not take a free lease"
        tokens.append(lease.token)
        if expiring:
            wait_until_free(leases, name)
        else:
            assert leases.release(lease)
    return tokens


def wait_until_free(leases: Leases, name: str, timeout: float = 10.0) -> None:
    """Wait until nobody holds ``name`` (its holder's TTL ran out, by the backend's clock)."""
    deadline = time.monotonic() + timeout
    while leases.holder(name) is not None:
        assert time.monotonic() < deadline, f"{name!r} still held after {timeout} s"
        time.sleep(0.02)


class FencedLedger:
    """A resource that checks fencing tokens: it remembers the largest token that wrote to it
    and refuses a write carrying a smaller one (a holder whose lease was taken over)."""

    def __init__(self) -> None:
        self.value: str | None = None
        self.largest = 0
        self.refused: list[str] = []

    def write(self, lease: Lease, value: str) -> bool:
        if lease.token < self.largest:
            self.refused.append(lease.owner)
            return False
        self.largest, self.value = lease.token, value
        return True
