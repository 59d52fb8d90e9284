"""The work queue for asyncio on Redis or a Redis Cluster: the sync queue's own Lua scripts
and key layout (one hash tag per queue), awaited on ``redis.asyncio``.

Every operation is one script, atomic on the server. A claim cancelled before it returns
either took no job, or took one the caller never heard of: that job's lease then lapses and
the next claim takes it over, as it would from a worker that died.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import datetime
from typing import Any

from agentstore import errors
from agentstore.asyncio.memory_redis import connect
from agentstore.asyncio.protocol import AsyncClosing
from agentstore.asyncio.queue_sql import backoff_for
from agentstore.asyncio.redis_calls import AsyncRedisScripts
from agentstore.coordination import queue_redis
from agentstore.coordination.protocol import STATES, Job
from agentstore.coordination.validation import (
    check_duration,
    check_error,
    check_job,
    check_new_job,
    decode,
    encode_payload,
    lost_reason,
)
from agentstore.coordination.validation import check_name as check_worker
from agentstore.urls import BackendURL


async def open_redis_queue(
    url: BackendURL, name: str, prefix: str, backoff: float, max_backoff: float
) -> RedisQueue:
    """The queue ``name`` on the Redis server or cluster at ``url``."""
    scripts = AsyncRedisScripts(url, await connect(url), queue_redis._SCRIPTS)
    return RedisQueue(url, name, prefix, backoff, max_backoff, scripts)


class RedisQueue(AsyncClosing):
    """An async ``Queue`` on Redis; every key it writes starts with ``prefix``."""

    def __init__(
        self,
        url: BackendURL,
        name: str,
        prefix: str,
        backoff: float,
        max_backoff: float,
        scripts: AsyncRedisScripts,
    ) -> None:
        self.url = url
        self.name = name
        self.prefix = prefix
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._keys = queue_redis.queue_keys(prefix, name)
        self._run = scripts

    def __repr__(self) -> str:
        return f"<async RedisQueue {self.name!r}>"

    async def _call(self, script: str, *args: Any) -> Any:
        return await self._run(script, self._keys, list(args))

    async def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job; returns its id. ``run_at``: a datetime, or seconds from now."""
        job = check_new_job(payload, max_attempts, run_at, priority)
        return str(await self._call("enqueue", *queue_redis.enqueue_args(job)))

    async def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """The next claimable job, now held by ``worker`` for ``lease`` seconds, or ``None``."""
        check_worker(worker, "worker")
        lease = check_duration(lease, "claim lease")
        token = secrets.token_hex(16)
        found = await self._call("claim", token, worker, queue_redis._ms(lease))
        if not found:
            return None
        job_id, payload, attempts, max_attempts = found
        payload = decode(payload.decode())
        return Job(job_id.decode(), self.name, payload, attempts, token, max_attempts)

    async def _finish(self, action: str, job: Job, *args: Any) -> None:
        check_job(job, self.name)
        answer = await self._call(action, job.id, job.token, *args)
        if answer[0] == b"ok":
            return
        if answer[0] == b"unknown":
            raise errors.UnknownJob(f"queue {self.name!r} holds no job {job.id}")
        state, same = answer[1].decode(), bool(answer[2])
        raise errors.LeaseLost(lost_reason(self.name, job, action, state, same))

    async def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed job done; ``LeaseLost`` if this claim no longer holds it."""
        await self._finish("complete", job, encode_payload(result, "job result"))

    async def fail(self, job: Job, error: str | BaseException) -> None:
        """Retry the job after a backoff, or bury it once it used ``max_attempts``."""
        text = check_error(error)
        await self._finish("fail", job, text, max(0, math.ceil(backoff_for(self, job) * 1000)))

    async def extend(self, job: Job, lease: float) -> None:
        """Hold the job ``lease`` more seconds from now; ``LeaseLost`` if it was lost."""
        ms = queue_redis._ms(check_duration(lease, "claim lease"))
        await self._finish("extend", job, ms)

    async def dead_letters(self) -> list[Job]:
        """The jobs that used every attempt, oldest first, each with its last error."""
        flat = await self._call("dead_letters")
        letters = []
        for job_id, raw in zip(flat[::2], flat[1::2], strict=True):
            job = json.loads(raw)
            payload = decode(job["p"])
            letters.append(
                Job(job_id.decode(), self.name, payload, job["a"], "", job["m"], job.get("e"))
            )
        return letters

    async def requeue(self, job_id: str) -> None:
        """Make a dead letter ready again with its attempts counted from zero."""
        text = str(job_id)
        if not text.isdigit() or not await self._call("requeue", text):
            raise errors.UnknownJob(f"queue {self.name!r} holds no dead letter {job_id}")

    async def stats(self) -> dict[str, int]:
        """How many jobs are in each state: ready, delayed, running, done, dead."""
        counts = await self._call("stats")
        return dict(zip(STATES, (int(n) for n in counts), strict=True))

    async def close(self) -> None:
        await self._run.close()
