"""Steps for the order of work: priorities and delayed tasks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pytest_bdd import given, then, when

from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.common.expect import expect
from support.coordination.effects import new_effect_log
from support.coordination.work import Work, scenario_queue

_step = phrase


@given(
    _step(
        'a work queue holding "{first:Text}" at priority {first_p:d}, "{second:Text}" at'
        ' priority {second_p:d} and "{third:Text}" at priority {third_p:d}'
    ),
    target_fixture="work",
)
def _(
    isolation: Isolation,
    backend: str,
    tmp_path: Path,
    first: str,
    first_p: int,
    second: str,
    second_p: int,
    third: str,
    third_p: int,
) -> Work:
    """Queued in that order, each with its priority."""
    place = isolation(backend)
    work = Work(place, scenario_queue(isolation, place), new_effect_log(tmp_path))
    for task, priority in ((first, first_p), (second, second_p), (third, third_p)):
        work.queue.enqueue(task, priority=priority)
    return work


@given(
    _step('a work queue holding the task "{task:Text}" delayed by {delay:Duration}'),
    target_fixture="work",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str, delay: float) -> Work:
    """Due ``delay`` seconds from now by the server's clock."""
    place = isolation(backend)
    work = Work(place, scenario_queue(isolation, place), new_effect_log(tmp_path))
    work.queue.enqueue(task, run_at=delay)
    return work


@when("a worker claims the tasks one by one", target_fixture="claimed")
def _(work: Work) -> list[Any]:
    """Until none is left; the payloads in the order they came."""
    claimed = []
    while (job := work.queue.claim("ada")) is not None:
        claimed.append(job.payload)
    return claimed


@when(_step("{delay:Duration} has passed"))
def _(delay: float) -> None:
    """Waits that long, and a little more (the server's clock decides, not this one)."""
    time.sleep(delay + 0.1)


@then(_step("it gets {expected:Names} in that order"))
def _(claimed: list[Any], expected: list[str]) -> None:
    expect(claimed, expected, "the tasks in the order")


@then(_step("the queue counts {delayed:d} task delayed and none ready"))
def _(work: Work, delayed: int) -> None:
    stats = work.queue.stats()
    found = {"delayed": stats["delayed"], "ready": stats["ready"]}
    expect(found, {"delayed": delayed, "ready": 0}, "the queue to count")


@then("no worker can claim a task yet")
def _(work: Work) -> None:
    expect(work.queue.claim("ada"), None, "a claim to get")


@then(_step('a worker claims "{task:Text}"'))
def _(work: Work, task: str) -> None:
    job = work.queue.claim("ada")
    expect(None if job is None else job.payload, task, "a claim to get")
