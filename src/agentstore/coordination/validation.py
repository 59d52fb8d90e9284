"""Checks on what callers hand the coordination API, done before anything is sent.

Every refusal is one line naming what was wrong, raised before a backend is touched, so bad
input changes nothing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentstore.errors import (
    InvalidName,
    InvalidOption,
    InvalidTTL,
    InvalidValue,
    LeaseLost,
    UnknownJob,
)
from agentstore.memory.validation import check_depth, decode, encodable, encode

__all__ = [
    "MAX_NAME_LENGTH",
    "NewJob",
    "check_attempts",
    "check_duration",
    "check_error",
    "check_event",
    "check_job",
    "check_name",
    "check_new_job",
    "check_priority",
    "check_run_at",
    "decode",
    "encode",
    "encode_payload",
    "lost_reason",
]

MAX_NAME_LENGTH = 200
#: A lease or TTL longer than this (a century) is refused rather than overflowing a clock.
MAX_DURATION = 100 * 365 * 24 * 3600.0
#: A priority fits a 32-bit column on every backend.
PRIORITY_LIMIT = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SCALARS = frozenset((str, int, float, bool, type(None)))
# Unlike the memory's canonical text, a payload keeps its keys in the order the caller gave.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def check_name(name: object, what: str = "queue") -> str:
    """A queue, lease, worker or channel name: text, 1-200 characters, no control characters
    (NUL included), no lone surrogate (UTF-8 cannot spell one)."""
    if not isinstance(name, str):
        raise InvalidName(f"a {what} name is text, not {type(name).__name__}")
    if not name:
        raise InvalidName(f"a {what} name cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(f"a {what} name is at most {MAX_NAME_LENGTH} characters, not {len(name)}")
    if _CONTROL.search(name):
        raise InvalidName(f"a {what} name cannot hold control characters: {name!r}")
    if not encodable(name):
        raise InvalidName(f"a {what} name is not valid Unicode (lone surrogate): {name!r}")
    return name


def check_duration(seconds: object, what: str = "lease") -> float:
    """A lease or TTL: a finite number of seconds above zero (a century at most)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidTTL(f"a {what} is a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidTTL(f"a {what} must be a finite number of seconds above zero, not {seconds!r}")
    if seconds > MAX_DURATION:
        raise InvalidTTL(f"a {what} of {seconds!r} s is longer than a century")
    return float(seconds)


def check_attempts(max_attempts: object) -> int:
    """``max_attempts``: a whole number, 1 or more."""
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise InvalidOption(f"max_attempts is a whole number, not {max_attempts!r}")
    if not 1 <= max_attempts <= PRIORITY_LIMIT:
        raise InvalidOption(f"max_attempts must be at least 1, not {max_attempts}")
    return max_attempts


def check_priority(priority: object) -> int:
    """A priority: a whole number within 32 bits; higher is claimed first."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidOption(f"a priority is a whole number, not {priority!r}")
    if not -PRIORITY_LIMIT <= priority <= PRIORITY_LIMIT:
        raise InvalidOption(f"a priority must lie within ±{PRIORITY_LIMIT}, not {priority}")
    return priority


def check_run_at(run_at: object) -> tuple[str, float] | None:
    """When a job may run: ``None`` (now), a timezone-aware ``datetime``, or a number of
    seconds from now by the server's clock. Returns ``("at", epoch)`` or ``("in", seconds)``.
    """
    if run_at is None:
        return None
    if isinstance(run_at, datetime):
        if run_at.tzinfo is None or run_at.utcoffset() is None:
            raise InvalidOption("run_at must carry a time zone (a naive datetime is ambiguous)")
        return ("at", run_at.timestamp())
    if isinstance(run_at, bool) or not isinstance(run_at, int | float):
        raise InvalidOption(f"run_at is a datetime or seconds from now, not {run_at!r}")
    if not math.isfinite(run_at) or run_at < 0 or run_at > MAX_DURATION:
        raise InvalidOption(f"run_at in seconds from now must be finite and >= 0, not {run_at!r}")
    return ("in", float(run_at))


@dataclass(frozen=True)
class NewJob:
    """A job to enqueue, checked: its JSON text, attempts, rank (the priority negated, so the
    lowest rank is claimed first) and when it may run (``("at", epoch)``, ``("in", seconds)``)."""

    payload: str
    max_attempts: int
    rank: int
    when: tuple[str, float]


def check_new_job(payload: Any, max_attempts: object, run_at: object, priority: object) -> NewJob:
    """``enqueue``'s arguments checked, in one place for every queue, sync and async."""
    return NewJob(
        payload=encode_payload(payload),
        max_attempts=check_attempts(max_attempts),
        rank=-check_priority(priority),
        when=check_run_at(run_at) or ("in", 0.0),
    )


def encode_payload(payload: Any, what: str = "job payload") -> str:
    """The JSON text of a payload or result, its keys in the caller's order; ``InvalidValue``
    if JSON cannot hold it exactly (it would not come back equal)."""
    if type(payload) not in _SCALARS and not _flat(payload):
        check_depth(payload, f"a {what}")  # before json, whose encoder and decoder recurse
    try:
        text = _ENCODER.encode(payload)
        text.encode()  # a lone surrogate cannot be stored
        if type(payload) in _SCALARS or _flat(payload) or json.loads(text) == payload:
            return text
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        pass
    try:
        encode(payload)  # the memory's check names the part JSON cannot hold
    except InvalidValue as error:
        raise InvalidValue(f"a {what}: {error}") from None
    raise InvalidValue(f"a {what}: JSON cannot hold {payload!r} exactly")


def _flat(value: Any) -> bool:
    """An object of text keys to scalars, or a list of scalars: JSON holds it exactly."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and type(v) in _SCALARS for k, v in value.items())
    return kind is list and all(type(item) in _SCALARS for item in value)


def check_error(error: object) -> str:
    """A failure's description: text (kept as given, up to 10,000 characters) without NUL or
    a lone surrogate, which no backend can store."""
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    if not isinstance(error, str):
        raise InvalidValue(f"a job's error is text or an exception, not {type(error).__name__}")
    text = error[:10_000]
    if "\x00" in text:
        raise InvalidValue(f"a job's error cannot hold NUL (PostgreSQL text cannot): {text!r}")
    if not encodable(text):
        raise InvalidValue(f"a job's error is not valid Unicode (lone surrogate): {text!r}")
    return text


def check_job(job: object, queue: str) -> Any:
    """A ``Job`` this queue handed out: ``UnknownJob`` for another queue's, ``LeaseLost`` for
    one that was never claimed (a dead letter carries no claim)."""
    from agentstore.coordination.protocol import Job

    if not isinstance(job, Job):
        raise UnknownJob(f"expected a Job the queue handed out, not {type(job).__name__}")
    if job.queue != queue:
        raise UnknownJob(f"job {job.id} belongs to queue {job.queue!r}, not {queue!r}")
    if not job.token:
        raise LeaseLost(f"job {job.id} of queue {queue!r} was never claimed: nothing to finish")
    return job


def lost_reason(queue: str, job: Any, action: str, state: str, same_claim: bool) -> str:
    """One line saying why ``action`` on ``job`` was refused, given the job's state now."""
    where = f"cannot {action} job {job.id} of queue {queue!r}:"
    if state == "done":
        return f"{where} it is already done"
    if state == "dead":
        return f"{where} it is already a dead letter"
    if state == "running" and not same_claim:
        return f"{where} its lease lapsed and another claim took it over"
    if state == "ready" and same_claim:
        return f"{where} it was already failed and waits for a retry"
    return f"{where} this claim no longer holds it (it is {state})"


def check_event(payload: Any) -> str:
    """An event's JSON text; ``None`` is refused, as ``next`` returns it for 'no event'."""
    if payload is None:
        raise InvalidValue("an event needs a payload (None means 'no event' to a subscriber)")
    return encode_payload(payload, "event")


def job_number(job_id: object) -> int | None:
    """A job id as the queues number their jobs (at most 18 digits), or ``None`` for an id
    no queue could have given (every queue then answers ``UnknownJob``)."""
    text = str(job_id)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
