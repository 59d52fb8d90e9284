"""Steps for requests a work queue must refuse, leaving it unchanged."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, then, when

from harness.isolation.places import Isolation
from steps.parameter_types import one_of, phrase
from support.common.outcomes import Outcome
from support.coordination import bad_inputs as bad
from support.coordination.work import scenario_queue

ATTEMPT = one_of(bad.ATTEMPTS, "one of the attempts a worker may try")


def _step(text: str) -> Any:
    return phrase(text, Attempt=ATTEMPT)


@given("a work queue with a task done, one running and one waiting", target_fixture="scene")
def _(isolation: Isolation, backend: str) -> bad.QueueScene:
    """Plus a task claimed from a second queue, to hand to the wrong one."""
    place = isolation(backend)
    return bad.set_scene(place, lambda name: scenario_queue(isolation, place, name))


@when(_step("a worker tries to {what:Attempt}"), target_fixture="outcome")
def _(scene: bad.QueueScene, what: str) -> Outcome:
    """The attempt (one of ``support.coordination.bad_inputs.ATTEMPTS``), state noted first."""
    scene.before = bad.snapshot(scene.queue), bad.snapshot(scene.other)
    return bad.attempt(scene, what)


@then("the queue is unchanged")
def _(scene: bad.QueueScene) -> None:
    """Both queues show what they showed before the attempt, and the running claim holds."""
    bad.expect_unchanged(scene.queue, scene.before[0])
    bad.expect_unchanged(scene.other, scene.before[1])
    scene.queue.extend(scene.running, 30)
