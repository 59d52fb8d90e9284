"""The bad inputs the queue and the leases must refuse, by the words the features use.

``ATTEMPTS`` maps each attempt ("complete a task twice") to one call on a ``QueueScene``
(the reasons a feature gives for a refusal live with every other in ``support.common.outcomes``).
``snapshot`` is everything the API shows of a queue, so "unchanged" is compared, never
assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentstore import Job, errors
from agentstore.coordination import Leases, Queue
from harness.isolation.places import Isolated
from support.api import openers
from support.common.expect import expect_that, shown
from support.common.outcomes import Outcome


@dataclass
class QueueScene:
    """A queue with a task done, one running and one waiting, and another queue's claim."""

    place: Isolated
    queue: Queue
    other: Queue
    done: Job
    running: Job
    theirs: Job
    before: Any = None


def set_scene(place: Isolated, open_: Callable[[str], Queue]) -> QueueScene:
    queue, other = open_("tasks"), open_("other-tasks")
    for payload in ("first", "second", "third"):
        queue.enqueue(payload)
    other.enqueue("theirs")
    done = queue.claim("ada")
    queue.complete(done)
    return QueueScene(place, queue, other, done, queue.claim("ada"), other.claim("eve"))


def _never_given(scene: QueueScene) -> Job:
    return Job("999999", scene.queue.name, None, 1, "0" * 32, 3)


def _open(name: str) -> Callable[[QueueScene], Any]:
    # through the API this run drives (--api), as every other attempt
    return lambda scene: openers.open_queue(
        scene.place.url, name, prefix=scene.place.prefix
    ).close()


def _claim_as(worker: str) -> Callable[[QueueScene], Any]:
    return lambda scene: scene.queue.claim(worker)


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


ATTEMPTS: dict[str, Callable[[QueueScene], Any]] = {
    "complete a task the queue never gave out": lambda s: s.queue.complete(_never_given(s)),
    "fail a task the queue never gave out": lambda s: s.queue.fail(_never_given(s), "x"),
    "complete a task of another queue": lambda s: s.queue.complete(s.theirs),
    "fail a task of another queue": lambda s: s.queue.fail(s.theirs, "x"),
    "complete a task twice": lambda s: s.queue.complete(s.done),
    "fail a task after completing it": lambda s: s.queue.fail(s.done, "x"),
    "claim a task for 0 seconds": lambda s: s.queue.claim("bob", lease=0),
    "claim a task for -5 seconds": lambda s: s.queue.claim("bob", lease=-5),
    "claim a task for ever": lambda s: s.queue.claim("bob", lease=math.inf),
    "claim a task for NaN seconds": lambda s: s.queue.claim("bob", lease=math.nan),
    "extend a claim by 0 seconds": lambda s: s.queue.extend(s.running, 0),
    "queue a task holding a set": lambda s: s.queue.enqueue({"ids": {1, 2}}),
    "queue a task holding NaN": lambda s: s.queue.enqueue({"score": math.nan}),
    "queue a task holding raw bytes": lambda s: s.queue.enqueue(b"\x00"),
    "queue a task that may be tried 0 times": lambda s: s.queue.enqueue("x", max_attempts=0),
    "queue a task that may be tried -1 times": lambda s: s.queue.enqueue("x", max_attempts=-1),
    "open a queue with an empty name": _open(""),
    "open a queue whose name holds a line break": _open("tasks\n"),
    "open a queue whose name holds NUL": _open("tasks\x00"),
    "open a queue whose name holds a lone surrogate": _open("tasks\ud800"),
    "claim a task as a worker whose name holds a lone surrogate": lambda s: s.queue.claim(
        "b\udc00"
    ),
    "fail a task with an error text holding NUL": lambda s: s.queue.fail(s.running, "boom\x00"),
    "queue a task nested 100 deep": lambda s: s.queue.enqueue(_nested(100)),
}


def attempt(scene: QueueScene, what: str) -> Outcome:
    """Make the attempt ``what``; its outcome (the error it raised, if any)."""
    try:
        return Outcome(ATTEMPTS[what](scene))
    except errors.AgentstoreError as error:
        return Outcome(error=error)


def snapshot(queue: Queue) -> tuple[dict[str, int], list[Job]]:
    """What a caller can see of a queue: its counts per state and its dead letters."""
    return queue.stats(), queue.dead_letters()


def described(seen: tuple[dict[str, int], list[Job]]) -> str:
    """A snapshot in a reader's words: the counts per state and the dead letters' tasks."""
    counts, dead = seen
    return f"counts {shown(counts)} and dead letters {shown([d.payload for d in dead])}"


def expect_unchanged(queue: Queue, before: tuple[dict[str, int], list[Job]]) -> None:
    """Fail unless ``queue`` shows what it showed when ``before`` was taken."""
    after = snapshot(queue)
    expect_that(
        after == before,
        f"the queue {shown(queue.name)} unchanged at {described(before)}",
        described(after),
    )


def lease_snapshot(leases: Leases, names: list[str]) -> dict[str, Any]:
    """Who holds each of ``names`` (None when free)."""
    return {name: leases.holder(name) for name in names}
