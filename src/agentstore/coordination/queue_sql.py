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
from agentstore.coordination.protocol import STATES, Job
from agentstore.coordination.queue_shell import QueueOperations, QueueShell
from agentstore.coordination.sql_connections import SqlConnections, fetch_all, row_count
from agentstore.coordination.validation import (
    NewJob,
    check_duration,
    check_error,
    check_job,
    check_name,
    check_new_job,
    decode,
    encode_payload,
    job_number,
    lost_reason,
)
from agentstore.driving import ALL, COUNT, Operation, Statement
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


class SqlQueueOperations(QueueOperations):
    """The queue's operations on PostgreSQL or SQLite: statements by name, rows scoped by
    ``prefix`` and the queue's name."""

    def __init__(self, name: str, prefix: str, backoff: float, max_backoff: float) -> None:
        super().__init__(name, prefix, backoff, max_backoff)
        self._scope = {"scope": prefix, "queue": name}

    def _params(self, **values: Any) -> dict[str, Any]:
        values.update(self._scope)
        return values

    def enqueue(
        self, payload: Any, max_attempts: int, run_at: datetime | float | None, priority: int
    ) -> Operation[str]:
        job = check_new_job(payload, max_attempts, run_at, priority)
        statement, params = enqueue_statement(job, self._scope)
        rows = yield Statement(statement, params, ALL)
        return str(rows[0][0])

    def claim(self, worker: str, lease: float) -> Operation[Job | None]:
        params = self._params(
            worker=check_name(worker, "worker"),
            lease=check_duration(lease, "claim lease"),
        )
        for _ in range(_BURIALS_PER_CLAIM):
            params["token"] = token = secrets.token_hex(16)
            rows = yield Statement("claim", params, ALL)
            if not rows:
                return None
            job_id, state, payload, attempts, max_attempts, _error = rows[0]
            if state == "running":
                return Job(str(job_id), self.name, decode(payload), attempts, token, max_attempts)
        return None

    def complete(self, job: Job, result: Any) -> Operation[None]:
        check_job(job, self.name)
        params = self._held(job, result=encode_payload(result, "job result"))
        if not (yield Statement("complete", params, COUNT)):
            raise (yield from self._why_not(job, "complete"))

    def fail(self, job: Job, error: str | BaseException) -> Operation[None]:
        check_job(job, self.name)
        params = self._held(job, error=check_error(error), backoff=self.backoff_for(job))
        if not (yield Statement("fail", params, ALL)):
            raise (yield from self._why_not(job, "fail"))

    def extend(self, job: Job, lease: float) -> Operation[None]:
        check_job(job, self.name)
        params = self._held(job, lease=check_duration(lease, "claim lease"))
        if not (yield Statement("extend", params, COUNT)):
            raise (yield from self._why_not(job, "extend"))

    def _held(self, job: Job, **values: Any) -> dict[str, Any]:
        return self._params(id=_row_id(job.id, self.name), token=job.token, **values)

    def _why_not(self, job: Job, action: str) -> Operation[errors.CoordinationError]:
        """Why a finishing statement matched no row: read the job once and say so."""
        params = {"id": _row_id(job.id, self.name), "scope": self.prefix}
        rows = yield Statement("find", params, ALL)
        if not rows or rows[0][0] != self.name:
            return errors.UnknownJob(f"queue {self.name!r} holds no job {job.id}")
        _queue, state, token = rows[0]
        return errors.LeaseLost(lost_reason(self.name, job, action, state, token == job.token))

    def dead_letters(self) -> Operation[list[Job]]:
        rows = yield Statement("dead", self._params(), ALL)
        return [
            Job(str(i), self.name, decode(payload), attempts, "", max_attempts, error)
            for i, payload, attempts, max_attempts, error in rows
        ]

    def requeue(self, job_id: str) -> Operation[None]:
        number = job_number(job_id)
        if number is None or not (yield Statement("requeue", self._params(id=number), COUNT)):
            raise errors.UnknownJob(f"queue {self.name!r} holds no dead letter {job_id}")

    def stats(self) -> Operation[dict[str, int]]:
        counts = dict.fromkeys(STATES, 0)
        for state, count in (yield Statement("stats", self._params(), ALL)):
            counts[state] = count
        return counts


#: How the sync driver reads a statement's cursor, by what the operation asks for.
_FETCH = {ALL: fetch_all, COUNT: row_count}


class SqlQueue(QueueShell):
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
        self._ops = SqlQueueOperations(name, prefix, backoff, max_backoff)
        self.url = url
        self.name = name
        self.prefix = prefix
        self._db = SqlConnections(url)
        statements = _statements(self._db.now, lock)
        self._sql = {key: self._db.statement(text) for key, text in statements.items()}
        self._db.run(self._sql["probe"], {})  # SchemaNotMigrated now rather than at first use

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} at {self._db.url.scheme}>"

    def _perform(self, request: Statement) -> Any:
        return self._db.run(self._sql[request.sql], request.params, _FETCH[request.fetch or ALL])

    def close(self) -> None:
        self._db.close()


def _row_id(job_id: object, queue: str) -> int:
    """A job id as the table keys it; an id this queue could never have given is unknown."""
    number = job_number(job_id)
    if number is None:
        raise errors.UnknownJob(f"queue {queue!r} holds no job {job_id!r}")
    return number


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
