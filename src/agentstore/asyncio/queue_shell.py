"""The asyncio shell of the work queue: the sync queue's own operations (``SqlQueueOperations``,
``RedisQueueOperations``), each run through an async driver instead of a blocking one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from agentstore.asyncio.protocol import AsyncClosing
from agentstore.coordination.protocol import Job
from agentstore.coordination.queue_shell import Operations
from agentstore.driving import Operation, run_async

T = TypeVar("T")


class AsyncQueueShell(AsyncClosing):
    """An async ``Queue``: each method awaits its operation through ``_perform``."""

    name: str
    _ops: Operations

    async def _perform(self, request: Any) -> Any:  # pragma: no cover - backends override it
        raise NotImplementedError

    async def _run(self, operation: Operation[T]) -> T:
        return await run_async(operation, self._perform)

    async def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job; returns its id. ``run_at``: a datetime, or seconds from now."""
        return await self._run(self._ops.enqueue(payload, max_attempts, run_at, priority))

    async def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """The next claimable job, now held by ``worker`` for ``lease`` seconds, or ``None``."""
        return await self._run(self._ops.claim(worker, lease))

    async def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed job done; ``LeaseLost`` if this claim no longer holds it."""
        await self._run(self._ops.complete(job, result))

    async def fail(self, job: Job, error: str | BaseException) -> None:
        """Retry the job after a backoff, or bury it once it used ``max_attempts``."""
        await self._run(self._ops.fail(job, error))

    async def extend(self, job: Job, lease: float) -> None:
        """Hold the job ``lease`` more seconds from now; ``LeaseLost`` if it was lost."""
        await self._run(self._ops.extend(job, lease))

    async def dead_letters(self) -> list[Job]:
        """The jobs that used every attempt, oldest first, each with its last error."""
        return await self._run(self._ops.dead_letters())

    async def requeue(self, job_id: str) -> None:
        """Make a dead letter ready again with its attempts counted from zero."""
        await self._run(self._ops.requeue(job_id))

    async def stats(self) -> dict[str, int]:
        """How many jobs are in each state: ready, delayed, running, done, dead."""
        return await self._run(self._ops.stats())
