"""The work queue on a SQL database, one class for PostgreSQL and SQLite.

Every operation is a single statement in autocommit, so it is atomic on its own: a claim
picks the first claimable job and takes it in one ``UPDATE ... WHERE id = (SELECT ...)``
(PostgreSQL adds ``FOR UPDATE SKIP LOCKED``, so concurrent claimers pass over each other's
rows instead of waiting; SQLite takes its one write lock when the statement starts, which
makes every write statement an immediate transaction). Finishing a job names its id *and*
the claim's token, so only the current claim can finish it; when that matches no row, one
read says why (unknown job, another queue's, already done, taken over).

Times come from the database's clock (``{now}``), never from the worker's.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from agentstore import errors
from agentstore.coordination.protocol import STATES, Closing, Job
from agentstore.coordination.sql_connections import SqlConnections, row_count
from agentstore.coordination.validation import (
    NewJob,
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

#: Claims in a row that may find only jobs to bury (lapsed on their last attempt) before
#: ``claim`` gives up for this call and reports no job.
_BURIALS_PER_CLAIM = 100

_T = "coordination_jobs"
_MINE = "scope = :scope AND queue = :queue"
_HELD = f"id = :id AND {_MINE} AND state = 'running' AND token = :token"


def _statements(now: str, lock: str) -> dict[str, str]:
    """The queue's statements for a dialect: ``now`` = the server clock in epoch seconds,
    ``lock`` = what the claim's inner SELECT adds to skip rows others are taking."""
    spent = "state = 'running' AND attempts >= max_attempts"
    columns = "(scope, queue, state, payload, claim_rank, attempts, max_attempts, available_at,"
    columns += " created_at)"
    return {
        "enqueue_in": f"INSERT INTO {_T} {columns} VALUES (:scope, :queue, 'ready', :payload,"
        f" :rank, 0, :max_attempts, {now} + :delay, {now}) RETURNING id",
        "enqueue_at": f"INSERT INTO {_T} {columns} VALUES (:scope, :queue, 'ready', :payload,"
        f" :rank, 0, :max_attempts, :at, {now}) RETURNING id",
        # A job whose lease lapsed on its last attempt is buried (dead letter) instead of
        # handed out again; the caller then claims the next one.
        "claim": f"UPDATE {_T} SET"
        f" state = CASE WHEN {spent} THEN 'dead' ELSE 'running' END,"
        f" last_error = CASE WHEN {spent}"
        f" THEN 'its lease lapsed on every attempt (last worker: ' || worker || ')'"
        " ELSE last_error END,"
        f" finished_at = CASE WHEN {spent} THEN {now} ELSE NULL END,"
        f" available_at = CASE WHEN {spent} THEN NULL ELSE {now} + :lease END,"
        f" token = CASE WHEN {spent} THEN NULL ELSE :token END,"
        f" worker = CASE WHEN {spent} THEN worker ELSE :worker END,"
        f" attempts = CASE WHEN {spent} THEN attempts ELSE attempts + 1 END"
        f" WHERE id = (SELECT id FROM {_T} WHERE {_MINE} AND available_at <= {now}"
        f" ORDER BY claim_rank, available_at, id LIMIT 1{lock})"
        " RETURNING id, state, payload, attempts, max_attempts, last_error",
        "complete": f"UPDATE {_T} SET state = 'done', available_at = NULL, result = :result,"
        f" finished_at = {now} WHERE {_HELD}",
        "fail": f"UPDATE {_T} SET"
        " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,"
        f" available_at = CASE WHEN attempts >= max_attempts THEN NULL ELSE {now} + :backoff END,"
        f" finished_at = CASE WHEN attempts >= max_attempts THEN {now} ELSE NULL END,"
        f" last_error = :error WHERE {_HELD} RETURNING state",
        "extend": f"UPDATE {_T} SET available_at = {now} + :lease WHERE {_HELD}",
        "find": f"SELECT queue, state, token FROM {_T} WHERE id = :id AND scope = :scope",
        "dead": f"SELECT id, payload, attempts, max_attempts, last_error FROM {_T}"
        f" WHERE {_MINE} AND state = 'dead' ORDER BY finished_at, id",
        "requeue": f"UPDATE {_T} SET state = 'ready', attempts = 0, available_at = {now},"
        f" token = NULL, finished_at = NULL WHERE id = :id AND {_MINE} AND state = 'dead'",
        "stats": "SELECT CASE WHEN state = 'ready' AND available_at > "
        f"{now} THEN 'delayed' ELSE state END, count(*) FROM {_T} WHERE {_MINE}"
        " GROUP BY 1",
        "probe": f"SELECT id FROM {_T} WHERE 1 = 0",
    }


class SqlQueue(Closing):
    """A ``Queue`` on PostgreSQL or SQLite; ``prefix`` scopes its rows."""

    def __init__(
        self,
        url: BackendURL,
        name: str,
        *,
        lock: str,
        prefix: str = "",
        backoff: float = 1.0,
        max_backoff: float = 300.0,
    ) -> None:
        self.url = url
        self.name = check_name(name)
        self.prefix = prefix
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._db = SqlConnections(url)
        statements = _statements(self._db.now, lock)
        self._sql = {key: self._db.statement(text) for key, text in statements.items()}
        self._scope = {"scope": prefix, "queue": name}
        self._db.run(self._sql["probe"], {})  # SchemaNotMigrated now rather than at first use

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} at {self._db.url.scheme}>"

    def _params(self, **values: Any) -> dict[str, Any]:
        values.update(self._scope)
        return values

    # -- producing ------------------------------------------------------------------------

    def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job; returns its id. ``run_at``: a datetime, or seconds from now."""
        statement, params = enqueue_statement(
            check_new_job(payload, max_attempts, run_at, priority), self._scope
        )
        return str(self._db.run(self._sql[statement], params)[0][0])

    # -- working ----------------------------------------------------------------------------

    def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """The next claimable job, now held by ``worker`` for ``lease`` seconds, or ``None``."""
        params = self._params(
            worker=check_name(worker, "worker"),
            lease=check_duration(lease, "claim lease"),
        )
        for _ in range(_BURIALS_PER_CLAIM):
            params["token"] = token = secrets.token_hex(16)
            rows = self._db.run(self._sql["claim"], params)
            if not rows:
                return None
            job_id, state, payload, attempts, max_attempts, _error = rows[0]
            if state == "running":
                return Job(str(job_id), self.name, decode(payload), attempts, token, max_attempts)
        return None

    def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed job done; ``LeaseLost`` if this claim no longer holds it."""
        check_job(job, self.name)
        params = self._held(job, result=encode_payload(result, "job result"))
        if not self._db.run(self._sql["complete"], params, row_count):
            raise self._why_not(job, "complete")

    def fail(self, job: Job, error: str | BaseException) -> None:
        """Give the job back to be retried after a backoff, or bury it as a dead letter once
        it has used ``max_attempts``; ``LeaseLost`` if this claim no longer holds it."""
        check_job(job, self.name)
        backoff = min(self.max_backoff, self.backoff * 2 ** max(0, job.attempts - 1))
        params = self._held(job, error=check_error(error), backoff=float(backoff))
        if not self._db.run(self._sql["fail"], params):
            raise self._why_not(job, "fail")

    def extend(self, job: Job, lease: float) -> None:
        """Hold the job ``lease`` more seconds from now; ``LeaseLost`` if it was lost."""
        check_job(job, self.name)
        params = self._held(job, lease=check_duration(lease, "claim lease"))
        if not self._db.run(self._sql["extend"], params, row_count):
            raise self._why_not(job, "extend")

    def _held(self, job: Job, **values: Any) -> dict[str, Any]:
        return self._params(id=_row_id(job.id, self.name), token=job.token, **values)

    def _why_not(self, job: Job, action: str) -> errors.CoordinationError:
        """Why a finishing statement matched no row: read the job once and say so."""
        params = {"id": _row_id(job.id, self.name), "scope": self.prefix}
        rows = self._db.run(self._sql["find"], params)
        if not rows or rows[0][0] != self.name:
            return errors.UnknownJob(f"queue {self.name!r} holds no job {job.id}")
        _queue, state, token = rows[0]
        return errors.LeaseLost(lost_reason(self.name, job, action, state, token == job.token))

    # -- dead letters and stats -------------------------------------------------------------

    def dead_letters(self) -> list[Job]:
        """The jobs that used every attempt, oldest first, each with its last error."""
        rows = self._db.run(self._sql["dead"], self._params())
        return [
            Job(str(i), self.name, decode(payload), attempts, "", max_attempts, error)
            for i, payload, attempts, max_attempts, error in rows
        ]

    def requeue(self, job_id: str) -> None:
        """Make a dead letter ready again with its attempts counted from zero."""
        text = str(job_id)
        known = text.isdigit() and len(text) <= 18
        if not known or not self._db.run(
            self._sql["requeue"], self._params(id=int(text)), row_count
        ):
            raise errors.UnknownJob(f"queue {self.name!r} holds no dead letter {job_id}")

    def stats(self) -> dict[str, int]:
        """How many jobs are in each state: ready, delayed, running, done, dead."""
        counts = dict.fromkeys(STATES, 0)
        for state, count in self._db.run(self._sql["stats"], self._params()):
            counts[state] = count
        return counts

    def close(self) -> None:
        self._db.close()


def _row_id(job_id: object, queue: str) -> int:
    """A job id as the table keys it; an id this queue could never have given is unknown."""
    text = str(job_id)
    if not text.isdigit() or len(text) > 18:
        raise errors.UnknownJob(f"queue {queue!r} holds no job {job_id!r}")
    return int(text)


def enqueue_statement(job: NewJob, scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Which enqueue statement inserts ``job`` (``enqueue_at`` or ``enqueue_in``) and its
    parameters, for the sync and the async SQL queue alike."""
    mode, when = job.when
    params = {
        "payload": job.payload,
        "max_attempts": job.max_attempts,
        "rank": job.rank,
        ("at" if mode == "at" else "delay"): when,
        **scope,
    }
    return ("enqueue_at" if mode == "at" else "enqueue_in"), params
