"""The work queue on Redis: every operation is one Lua script, atomic on the server.

Keys of the queue ``name`` under the store's ``prefix`` share one hash tag, so the whole
queue lives in one slot and a Redis Cluster backend can run the same scripts; every key a
script touches is passed in KEYS:

- ``P{q:name}:ready``    sorted set: ready job ids (zero-padded), score = minus priority;
  equal scores sort by member, so jobs of one priority leave in the order they came;
- ``P{q:name}:delayed``  sorted set: jobs waiting for their run_at (or a retry's backoff);
- ``P{q:name}:running``  sorted set: claimed jobs, score = the end of their lease;
- ``P{q:name}:dead``     sorted set: dead letters, score = when they died;
- ``P{q:name}:jobs``     hash: id -> the job as JSON (payload text kept verbatim);
- ``P{q:name}:seq``, ``P{q:name}:done``  counters: the last id given, jobs done.

A worker that dies mid-job leaves its id in ``running``; the first claim after the lease
ends takes it over with a new token. Times are the Redis server's (TIME), in milliseconds.

Replication is asynchronous: a job whose enqueue the master acknowledged can vanish if the
master dies before a replica has it (and a completed job can come back, to be done twice).
With ``replicas=n`` every call waits until ``n`` replicas have its change, or raises
``WriteNotReplicated`` (the change is on the master, and may or may not survive).
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import datetime
from typing import Any

from agentstore import errors
from agentstore.coordination.protocol import STATES, Job
from agentstore.coordination.queue_shell import QueueOperations, QueueShell
from agentstore.coordination.redis_calls import NOW_MS, RedisScripts
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
from agentstore.driving import Operation, Script
from agentstore.memory.opening import ReplicaWait
from agentstore.urls import BackendURL

_KEYS = ("ready", "delayed", "running", "dead", "jobs", "seq", "done")

# Shared by the scripts: KEYS in the order of _KEYS; jobs are JSON objects
# {p: payload text, s: state, a: attempts, m: max attempts, r: rank, t: token, w: worker,
#  e: last error}.
_COMMON = (
    NOW_MS
    + """
local READY, DELAYED, RUNNING, DEAD, JOBS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function pad(id) return string.format('%016d', tonumber(id)) end
local function load(id)
  local raw = redis.call('HGET', JOBS, id)
  if raw then return cjson.decode(raw) end
  return nil
end
local function save(id, job) redis.call('HSET', JOBS, id, cjson.encode(job)) end
local function promote(now)
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', DELAYED, id)
    redis.call('ZADD', READY, load(id).r, pad(id))
  end
end
-- the job if ARGV[1]/ARGV[2] (id, token) name its current claim, else a refusal
local function held()
  local job = load(ARGV[1])
  if not job then return nil, {'unknown'} end
  if job.s ~= 'running' or job.t ~= ARGV[2] then
    return nil, {'lost', job.s, job.t == ARGV[2] and 1 or 0}
  end
  return job, nil
end
"""
)

#: The scripts that only read: they never wait for replicas.
_READS = frozenset({"stats", "dead_letters"})

_SCRIPTS = {
    # ARGV: payload, max attempts, rank, 'in'|'at', seconds
    "enqueue": _COMMON
    + """
local now = now_ms()
local id = redis.call('INCR', KEYS[6])
local at = math.floor(tonumber(ARGV[5]) * 1000)
if ARGV[4] == 'in' then at = now + at end
local job = {p = ARGV[1], s = 'ready', a = 0, m = tonumber(ARGV[2]), r = tonumber(ARGV[3])}
save(id, job)
if at > now then
  redis.call('ZADD', DELAYED, at, id)
else
  redis.call('ZADD', READY, job.r, pad(id))
end
return id
""",
    # ARGV: token, worker, lease ms. Returns {id, payload, attempts, max} or false.
    "claim": _COMMON
    + """
local now = now_ms()
promote(now)
for _ = 1, 100 do
  local id
  local lapsed = redis.call('ZRANGEBYSCORE', RUNNING, '-inf', now, 'LIMIT', 0, 1)
  if #lapsed > 0 then
    id = lapsed[1]
  else
    local first = redis.call('ZRANGE', READY, 0, 0)
    if #first == 0 then return false end
    redis.call('ZREM', READY, first[1])
    id = tostring(tonumber(first[1]))
  end
  local job = load(id)
  if job.s == 'running' and job.a >= job.m then
    -- its lease lapsed on its last attempt: bury it, look for the next
    redis.call('ZREM', RUNNING, id)
    job.s = 'dead'
    job.e = 'its lease lapsed on every attempt (last worker: ' .. job.w .. ')'
    job.t = nil
    redis.call('ZADD', DEAD, now, id)
    save(id, job)
  else
    job.s = 'running'
    job.a = job.a + 1
    job.t = ARGV[1]
    job.w = ARGV[2]
    redis.call('ZADD', RUNNING, now + tonumber(ARGV[3]), id)
    save(id, job)
    return {id, job.p, job.a, job.m}
  end
end
return false
""",
    # ARGV: id, token, result
    "complete": _COMMON
    + """
local job, refusal = held()
if not job then return refusal end
job.s = 'done'
job.res = ARGV[3]
redis.call('ZREM', RUNNING, ARGV[1])
redis.call('INCR', KEYS[7])
save(ARGV[1], job)
return {'ok'}
""",
    # ARGV: id, token, error, backoff ms
    "fail": _COMMON
    + """
local job, refusal = held()
if not job then return refusal end
local now = now_ms()
job.e = ARGV[3]
redis.call('ZREM', RUNNING, ARGV[1])
if job.a >= job.m then
  job.s = 'dead'
  redis.call('ZADD', DEAD, now, ARGV[1])
else
  job.s = 'ready'
  redis.call('ZADD', DELAYED, now + tonumber(ARGV[4]), ARGV[1])
end
save(ARGV[1], job)
return {'ok', job.s}
""",
    # ARGV: id, token, lease ms
    "extend": _COMMON
    + """
local job, refusal = held()
if not job then return refusal end
redis.call('ZADD', RUNNING, now_ms() + tonumber(ARGV[3]), ARGV[1])
return {'ok'}
""",
    "dead_letters": _COMMON
    + """
local ids = redis.call('ZRANGE', DEAD, 0, -1)
local out = {}
for _, id in ipairs(ids) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', JOBS, id))
end
return out
""",
    # ARGV: id
    "requeue": _COMMON
    + """
if redis.call('ZREM', DEAD, ARGV[1]) == 0 then return 0 end
local job = load(ARGV[1])
job.s = 'ready'
job.a = 0
job.t = nil
redis.call('ZADD', READY, job.r, pad(ARGV[1]))
save(ARGV[1], job)
return 1
""",
    "stats": _COMMON
    + """
promote(now_ms())
return {redis.call('ZCARD', READY), redis.call('ZCARD', DELAYED), redis.call('ZCARD', RUNNING),
        tonumber(redis.call('GET', KEYS[7]) or '0'), redis.call('ZCARD', DEAD)}
""",
}


def queue_keys(prefix: str, name: str) -> list[str]:
    """Every key of queue ``name`` under ``prefix``, in the order the scripts expect."""
    tag = f"{prefix}{{q:{name}}}:"
    return [tag + part for part in _KEYS]


def _ms(seconds: float) -> int:
    """Seconds as whole milliseconds, never rounded down to zero."""
    return max(1, math.ceil(seconds * 1000))


class RedisQueueOperations(QueueOperations):
    """The queue's operations on Redis: one script each, on the queue's keys."""

    def __init__(self, name: str, prefix: str, backoff: float, max_backoff: float) -> None:
        super().__init__(name, prefix, backoff, max_backoff)
        self._keys = queue_keys(prefix, name)

    def _call(self, script: str, *args: Any) -> Script:
        return Script(script, self._keys, list(args), write=script not in _READS)

    def enqueue(
        self, payload: Any, max_attempts: int, run_at: datetime | float | None, priority: int
    ) -> Operation[str]:
        job = check_new_job(payload, max_attempts, run_at, priority)
        return str((yield self._call("enqueue", *enqueue_args(job))))

    def claim(self, worker: str, lease: float) -> Operation[Job | None]:
        check_name(worker, "worker")
        lease = check_duration(lease, "claim lease")
        token = secrets.token_hex(16)
        found = yield self._call("claim", token, worker, _ms(lease))
        if not found:
            return None
        job_id, payload, attempts, max_attempts = found
        payload = decode(payload.decode())
        return Job(job_id.decode(), self.name, payload, attempts, token, max_attempts)

    def _finish(self, action: str, job: Job, *args: Any) -> Operation[None]:
        check_job(job, self.name)
        answer = yield self._call(action, job.id, job.token, *args)
        if answer[0] == b"ok":
            return
        if answer[0] == b"unknown":
            raise errors.UnknownJob(f"queue {self.name!r} holds no job {job.id}")
        state, same = answer[1].decode(), bool(answer[2])
        raise errors.LeaseLost(lost_reason(self.name, job, action, state, same))

    def complete(self, job: Job, result: Any) -> Operation[None]:
        return self._finish("complete", job, encode_payload(result, "job result"))

    def fail(self, job: Job, error: str | BaseException) -> Operation[None]:
        text = check_error(error)
        return self._finish("fail", job, text, max(0, math.ceil(self.backoff_for(job) * 1000)))

    def extend(self, job: Job, lease: float) -> Operation[None]:
        return self._finish("extend", job, _ms(check_duration(lease, "claim lease")))

    def dead_letters(self) -> Operation[list[Job]]:
        flat = yield self._call("dead_letters")
        letters = []
        for job_id, raw in zip(flat[::2], flat[1::2], strict=True):
            job = json.loads(raw)
            payload = decode(job["p"])
            letters.append(
                Job(job_id.decode(), self.name, payload, job["a"], "", job["m"], job.get("e"))
            )
        return letters

    def requeue(self, job_id: str) -> Operation[None]:
        number = job_number(job_id)
        if number is None or not (yield self._call("requeue", str(number))):
            raise errors.UnknownJob(f"queue {self.name!r} holds no dead letter {job_id}")

    def stats(self) -> Operation[dict[str, int]]:
        counts = yield self._call("stats")
        return dict(zip(STATES, (int(n) for n in counts), strict=True))


class RedisQueue(QueueShell):
    """A ``Queue`` on Redis running ``ops`` (the queue, its scope, its backoff); every key it
    writes starts with ``ops.prefix``; a change waits for replicas as ``wait`` says."""

    def __init__(self, url: BackendURL, ops: RedisQueueOperations, wait: ReplicaWait) -> None:
        self._ops = ops
        self.url = url
        self.name = ops.name
        self.prefix = ops.prefix
        self._scripts = RedisScripts(url, _SCRIPTS, wait)

    def __repr__(self) -> str:
        return f"<RedisQueue {self.name!r}>"

    def _perform(self, request: Script) -> Any:
        return self._scripts(request)

    def close(self) -> None:
        self._scripts.close()


def enqueue_args(job: NewJob) -> list[Any]:
    """The enqueue script's arguments for ``job``, for the sync and the async Redis queue."""
    mode, seconds = job.when
    return [job.payload, job.max_attempts, job.rank, mode, repr(seconds)]
