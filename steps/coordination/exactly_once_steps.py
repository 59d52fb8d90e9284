"""Steps for the work queue's promise: every task done exactly once, by workers that
may be killed, cancelled or cut off."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_bdd import given, then, when

from agentstore import (
    Job,
    errors,
)
from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.common.expect import expect, expect_that, shown
from support.common.outcomes import attempt
from support.coordination import bad_inputs as bad
from support.coordination import workloads
from support.coordination.cancelling import cancel_claim_mid_call
from support.coordination.effects import EffectLog, new_effect_log
from support.coordination.work import LEASE, SHORT_LEASE, Work, scenario_queue
from support.faults import queue as fault_queue

_step = phrase


@given(_step("a work queue holding {count:d} tasks"), target_fixture="work")
@given(_step("a work queue holding {count:d} task"), target_fixture="work")
def _(isolation: Isolation, backend: str, tmp_path: Path, count: int) -> Work:
    """A queue of the scenario's own holding tasks numbered 0 .. count-1."""
    place = isolation(backend)
    work = Work(place, scenario_queue(isolation, place), new_effect_log(tmp_path))
    workloads.fill(work.queue, count)
    return work


@when(_step("{workers:d} workers in separate {kind:Kind} drain the queue"))
def _(work: Work, workers: int, kind: str) -> None:
    """Workers claim, record each task's effect, and complete, until nothing is left."""
    workloads.drain_together(work.place, work.effects, workers, kind, LEASE)


@when(
    _step(
        "{workers:d} workers in separate threads drain the queue"
        " while the server drops every connection twice"
    ),
    target_fixture="drops",
)
def _(work: Work, workers: int) -> workloads.Drops:
    """The server terminates every connection to the scenario's database, twice, mid-run."""
    return workloads.drain_while_dropping(
        work.place, work.effects, workers, SHORT_LEASE, at=[100, 300]
    )


@when(
    _step("a worker holding a task for {lease:Duration} is killed in the middle of it"),
    target_fixture="killed",
)
def _(work: Work, lease: float) -> Job:
    """A worker process claims a task and is killed (SIGKILL) before it finishes it."""
    return workloads.kill_mid_task(work.place, lease)


@when(
    _step(
        "a worker's claim of a task for {lease:Duration} is cancelled before it returns,"
        " after the server handed it the task"
    )
)
def _(work: Work, lease: float) -> None:
    """Claims cancelled a few more event-loop turns after they start, until one is cancelled
    once the server took a task for it (``@asyncio_only``; claims that returned first are done)."""
    cancel_claim_mid_call(work.queue, work.effects, lease)


@then(_step("every one of the {count:d} tasks was done exactly once"))
def _(request: pytest.FixtureRequest, count: int) -> None:
    """Counted apart from the queue: none missing, none repeated. Workers write an effect
    log; agents through a server restart count a task only where ``complete()`` returned."""
    try:
        tally = request.getfixturevalue("tally")
    except pytest.FixtureLookupError:
        tally = None
    if tally is not None:
        expect(request.getfixturevalue("tasks"), count, "tasks in the queue:")
        fault_queue.check_exactly_once(tally, count)
        return
    work: Work = request.getfixturevalue("work")
    with EffectLog(work.effects) as log:
        done = log.counts()
    missing = sorted(set(range(count)) - set(done))
    repeated = sorted(task for task, times in done.items() if times > 1)
    expect_that(
        not missing and not repeated and len(done) == count,
        f"every one of the {count} tasks done once",
        f"{len(done)} done, missing {missing[:20]}, repeated {repeated[:20]}",
    )


@then(_step("the queue counts {count:d} tasks done"))
@then(_step("the queue counts {count:d} task done"))
def _(work: Work, count: int) -> None:
    """The queue's own count of done tasks, nothing left waiting or running."""
    stats = work.queue.stats()
    left = {state: stats[state] for state in ("ready", "delayed", "running")}
    expect(stats["done"], count, "the number of tasks done to be")
    expect(left, dict.fromkeys(left, 0), "no task left, that is")


@when("another worker takes the task over once the lease has lapsed", target_fixture="taker")
def _(work: Work, killed: Job) -> Job:
    """Claims until the lapsed task comes back (by the backend's clock), with a new token."""
    job = workloads.take_over(work.queue, killed)
    assert job.token != killed.token and job.attempts == killed.attempts + 1
    return job


@then("the killed worker's late completion is refused, changing nothing")
def _(work: Work, killed: Job) -> None:
    """The killed worker's claim token is stale: its completion is refused."""
    before = bad.snapshot(work.queue)
    outcome = attempt(lambda: work.queue.complete(killed))
    error = str(outcome.refused(errors.LeaseLost))
    expect_that(
        "another claim took it over" in error,
        "a refusal saying another claim took it over",
        shown(error),
    )
    bad.expect_unchanged(work.queue, before)


@then("the other worker still completes the task")
def _(work: Work, taker: Job) -> None:
    """The new claim holds: its completion is the one that counts."""
    work.queue.complete(taker)
    expect(work.queue.stats()["done"], 1, "the number of tasks done to be")


@then("the server did drop the workers' connections twice")
def _(drops: workloads.Drops) -> None:
    """Both drops happened and each ended at least one live connection."""
    expect_that(
        len(drops.terminated) == 2 and all(drops.terminated),
        "two drops, each ending at least one connection",
        f"drops ending {shown(drops.terminated)} connections",
    )
