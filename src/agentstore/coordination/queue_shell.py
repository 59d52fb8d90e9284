"""The work queue written once: what every backend's queue operations share, and the sync
shell that runs them.

A backend's operations (``SqlQueueOperations``, ``RedisQueueOperations``) are generators
that never do I/O (:mod:`agentstore.driving`): they check the arguments, yield statements or
scripts and build the answer. :class:`QueueShell` runs them with a blocking driver, the
asyncio ``AsyncQueueShell`` with an async one; a queue class only says how a request is run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from agentstore.coordination.protocol import Closing, Job
from agentstore.coordination.validation import check_name
from agentstore.driving import Operation, run

T = TypeVar("T")


class QueueOperations:
    """What the queue operations of every backend share: the queue, its scope, its backoff."""

    def __init__(self, name: str, prefix: str, backoff: float, max_backoff: float) -> None:
        self.name = check_name(name)
        self.prefix = prefix
        self.backoff = backoff
        self.max_backoff = max_backoff

    def backoff_for(self, job: Job) -> float:
        """Seconds before a failed job's next attempt: ``backoff`` doubled per attempt, capped."""
        return float(min(self.max_backoff, self.backoff * 2 ** max(0, job.attempts - 1)))


class Operations(Protocol):
    """The queue operations a shell runs (each backend's class has them all)."""

    name: str

    def enqueue(
        self, payload: Any, max_attempts: int, run_at: datetime | float | None, priority: int
    ) -> Operation[str]: ...

    def claim(self, worker: str, lease: float) -> Operation[Job | None]: ...

    def complete(self, job: Job, result: Any) -> Operation[None]: ...

    def fail(self, job: Job, error: str | BaseException) -> Operation[None]: ...

    def extend(self, job: Job, lease: float) -> Operation[None]: ...

    def dead_letters(self) -> Operation[list[Job]]: ...

    def requeue(self, job_id: str) -> Operation[None]: ...

    def stats(self) -> Operation[dict[str, int]]: ...


class QueueShell(Closing):
    """A sync ``Queue``: each method runs its operation through ``_perform``."""

    name: str
    _ops: Operations

    def _perform(self, request: Any) -> Any:  # pragma: no cover - each backend overrides it
        raise NotImplementedError

    def _run(self, operation: Operation[T]) -> T:
        return run(operation, self._perform)

    def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job; returns its id. ``run_at``: a datetime, or seconds from now."""
        return self._run(self._ops.enqueue(payload, max_attempts, run_at, priority))

    def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """The next claimable job, now held by ``worker`` for ``lease`` seconds, or ``None``."""
        return self._run(self._ops.claim(worker, lease))

    def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed job done; ``LeaseLost`` if this claim no longer holds it."""
        self._run(self._ops.complete(job, result))

    def fail(self, job: Job, error: str | BaseException) -> None:
        """Give the job back to be retried after a backoff, or bury it as a dead letter once
        it has used ``max_attempts``; ``LeaseLost`` if this claim no longer holds it."""
        self._run(self._ops.fail(job, error))

    def extend(self, job: Job, lease: float) -> None:
        """Hold the job ``lease`` more seconds from now; ``LeaseLost`` if it was lost."""
        self._run(self._ops.extend(job, lease))

    def dead_letters(self) -> list[Job]:
        """The jobs that used every attempt, oldest first, each with its last error."""
        return self._run(self._ops.dead_letters())

    def requeue(self, job_id: str) -> None:
        """Make a dead letter ready again with its attempts counted from zero."""
        self._run(self._ops.requeue(job_id))

    def stats(self) -> dict[str, int]:
        """How many jobs are in each state: ready, delayed, running, done, dead."""
        return self._run(self._ops.stats())
