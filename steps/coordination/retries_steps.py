"""Steps for retries and dead letters: tasks tried again, given up on, and requeued."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd import given, then, when

from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.common.expect import expect
from support.coordination.effects import new_effect_log
from support.coordination.work import Work, scenario_queue

_step = phrase


@given(
    _step('a work queue holding the task "{task:Text}" that may be tried {times:d} times'),
    target_fixture="work",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str, times: int) -> Work:
    """A queue that retries at once (no backoff), holding one task."""
    place = isolation(backend)
    work = Work(place, scenario_queue(isolation, place, backoff=0), new_effect_log(tmp_path))
    work.queue.enqueue({"task": task}, max_attempts=times)
    return work


@given(_step('a work queue whose task "{task:Text}" is a dead letter'), target_fixture="work")
def _(isolation: Isolation, backend: str, tmp_path: Path, task: str) -> Work:
    """A queue whose one task failed on its only attempt."""
    place = isolation(backend)
    work = Work(place, scenario_queue(isolation, place, backoff=0), new_effect_log(tmp_path))
    work.queue.enqueue({"task": task}, max_attempts=1)
    work.queue.fail(work.queue.claim("ada"), "mail server down")
    assert [d.payload["task"] for d in work.queue.dead_letters()] == [task]
    return work


@when(
    _step('a worker fails "{task:Text}" each time it is claimed, with the error "{error:Text}"'),
    target_fixture="tries",
)
def _(work: Work, task: str, error: str) -> list[int]:
    """Claims until nothing is left, failing each claim; the attempt numbers seen."""
    tries = []
    while (job := work.queue.claim("ada")) is not None:
        assert job.payload == {"task": task}
        tries.append(job.attempts)
        work.queue.fail(job, error)
    return tries


@when(_step('a worker fails "{task:Text}" once with the error "{error:Text}", then completes it'))
def _(work: Work, task: str, error: str) -> None:
    """One failure, then success on the retry."""
    work.queue.fail(work.queue.claim("ada"), error)
    job = work.queue.claim("ada")
    assert job.payload == {"task": task} and job.attempts == 2
    work.queue.complete(job)


@when(_step('the dead letter "{task:Text}" is requeued'))
def _(work: Work, task: str) -> None:
    """Found among the dead letters by its task, and put back in the queue."""
    (letter,) = [d for d in work.queue.dead_letters() if d.payload["task"] == task]
    work.queue.requeue(letter.id)


@when("a worker completes the next task")
def _(work: Work) -> None:
    """Claim whatever is next and complete it."""
    work.queue.complete(work.queue.claim("bob"))


@then(_step('"{task:Text}" was tried {times:d} times'))
def _(tries: list[int], times: int) -> None:
    """Each claim counted one more attempt, up to the allowed number."""
    expect(tries, list(range(1, times + 1)), "the attempts counted to be")


@then(_step('the dead letters hold "{task:Text}" with the error "{error:Text}"'))
def _(work: Work, task: str, error: str) -> None:
    """Exactly that task is dead, with its last error."""
    letters = work.queue.dead_letters()
    found = [{"task": d.payload["task"], "error": d.error} for d in letters]
    expect(found, [{"task": task, "error": error}], "the dead letters to be")
    expect(work.queue.claim("ada"), None, "a claim to get")


@then("the dead letters are empty")
def _(work: Work) -> None:
    """No task died."""
    expect([d.payload for d in work.queue.dead_letters()], [], "the dead letters to be")
    expect(work.queue.stats()["dead"], 0, "the queue to count dead tasks:")
