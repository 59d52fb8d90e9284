"""The work queue for asyncio on PostgreSQL or SQLite: the sync queue's own statements (the
same rows, so sync and async workers share one queue), awaited on the drivers' async clients.

Each operation is one statement in autocommit. A claim cancelled before it returns either
took no job, or took one the caller never heard of: that job's lease then lapses and the
next claim takes it over, as it would from a worker that died.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from agentstore import errors
from agentstore.asyncio.memory_sql import ALL, COUNT
from agentstore.asyncio.protocol import AsyncClosing
from agentstore.asyncio.sql_calls import SqlCalls
from agentstore.coordination import queue_sql
from agentstore.coordination.protocol import STATES, Job
from agentstore.coordination.queue_postgres import CLAIM_LOCK
from agentstore.coordination.validation import (
    check_duration,
    check_error,
    check_job,
    check_name,
    check_new_job,
    decode,
    encode_payload,
    lost_reason,
)
from agentstore.urls import BackendURL

_Sync = queue_sql.SqlQueue


async def open_sql_queue(
    url: BackendURL, name: str, prefix: str, backoff: float, max_backoff: float
) -> SqlQueue:
    """The queue ``name`` in a migrated database (``SchemaNotMigrated`` otherwise)."""
    lock = CLAIM_LOCK if url.backend == "postgres" else ""
    calls = SqlCalls(url, queue_sql._statements(SqlCalls.clock(url.backend), lock))
    await calls.check("probe")
    return SqlQueue(url, name, prefix, backoff, max_backoff, calls)


class SqlQueue(AsyncClosing):
    """An async ``Queue`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

    def __init__(
        self,
        url: BackendURL,
        name: str,
        prefix: str,
        backoff: float,
        max_backoff: float,
        calls: SqlCalls,
    ) -> None:
        self.url = url
        self.name = name
        self.prefix = prefix
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._run = calls
        self._scope = {"scope": prefix, "queue": name}

    def __repr__(self) -> str:
        return f"<async {type(self).__name__} {self.name!r} at {self.url.scheme}>"

    # The sync queue's own parameter building: the same rows, the same checks.
    def _params(self, **values: Any) -> dict[str, Any]:
        return _Sync._params(self, **values)  # type: ignore[arg-type]

    def _held(self, job: Job, **values: Any) -> dict[str, Any]:
        return _Sync._held(self, job, **values)  # type: ignore[arg-type]

    async def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job; returns its id. ``run_at``: a datetime, or seconds from now."""
        statement, params = queue_sql.enqueue_statement(
            check_new_job(payload, max_attempts, run_at, priority), self._scope
        )
        return str((await self._run(statement, params, ALL))[0][0])

    async def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """The next claimable job, now held by ``worker`` for ``lease`` seconds, or ``None``."""
        params = self._params(
            worker=check_name(worker, "worker"),
            lease=check_duration(lease, "claim lease"),
        )
        for _ in range(queue_sql._BURIALS_PER_CLAIM):
            params["token"] = token = secrets.token_hex(16)
            rows = await self._run("claim", params, ALL)
            if not rows:
                return None
            job_id, state, payload, attempts, max_attempts, _error = rows[0]
            if state == "running":
                return Job(str(job_id), self.name, decode(payload), attempts, token, max_attempts)
        return None

    async def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed job done; ``LeaseLost`` if this claim no longer holds it."""
        check_job(job, self.name)
        params = self._held(job, result=encode_payload(result, "job result"))
        if not await self._run("complete", params, COUNT):
            raise await self._why_not(job, "complete")

    async def fail(self, job: Job, error: str | BaseException) -> None:
        """Retry the job after a backoff, or bury it once it used ``max_attempts``."""
        check_job(job, self.name)
        params = self._held(job, error=check_error(error), backoff=float(backoff_for(self, job)))
        if not await self._run("fail", params, ALL):
            raise await self._why_not(job, "fail")

    async def extend(self, job: Job, lease: float) -> None:
        """Hold the job ``lease`` more seconds from now; ``LeaseLost`` if it was lost."""
        check_job(job, self.name)
        params = self._held(job, lease=check_duration(lease, "claim lease"))
        if not await self._run("extend", params, COUNT):
            raise await self._why_not(job, "extend")

    async def _why_not(self, job: Job, action: str) -> errors.CoordinationError:
        """Why a finishing statement matched no row: read the job once and say so."""
        params = {"id": queue_sql._row_id(job.id, self.name), "scope": self.prefix}
        rows = await self._run("find", params, ALL)
        if not rows or rows[0][0] != self.name:
            return errors.UnknownJob(f"queue {self.name!r} holds no job {job.id}")
        _queue, state, token = rows[0]
        return errors.LeaseLost(lost_reason(self.name, job, action, state, token == job.token))

    async def dead_letters(self) -> list[Job]:
        """The jobs that used every attempt, oldest first, each with its last error."""
        rows = await self._run("dead", self._params(), ALL)
        return [
            Job(str(i), self.name, decode(payload), attempts, "", max_attempts, error)
            for i, payload, attempts, max_attempts, error in rows
        ]

    async def requeue(self, job_id: str) -> None:
        """Make a dead letter ready again with its attempts counted from zero."""
        text = str(job_id)
        known = text.isdigit() and len(text) <= 18
        if not known or not await self._run("requeue", self._params(id=int(text)), COUNT):
            raise errors.UnknownJob(f"queue {self.name!r} holds no dead letter {job_id}")

    async def stats(self) -> dict[str, int]:
        """How many jobs are in each state: ready, delayed, running, done, dead."""
        counts = dict.fromkeys(STATES, 0)
        for state, count in await self._run("stats", self._params(), ALL):
            counts[state] = count
        return counts

    async def close(self) -> None:
        await self._run.close()


def backoff_for(queue: Any, job: Job) -> float:
    """Seconds before a failed job's next attempt: ``backoff`` doubled per attempt, capped."""
    return float(min(queue.max_backoff, queue.backoff * 2 ** max(0, job.attempts - 1)))
