"""What every coordination backend offers: the ``Queue``, ``Leases`` and ``Events`` protocols,
and the ``Job`` and ``Lease`` a caller holds.

A claimed ``Job`` carries a claim token that is new on every claim: ``complete``, ``fail`` and
``extend`` succeed only with the token of the current claim, so a worker whose lease lapsed
and whose job another worker took over is refused (``LeaseLost``) and changes nothing.
A ``Lease`` carries a fencing token that only grows under its name, never reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

#: The states ``Queue.stats()`` counts, always all of them.
STATES = ("ready", "delayed", "running", "done", "dead")


@dataclass(frozen=True)
class Job:
    """A job as the queue handed it out.

    ``token`` names this claim (empty for a dead letter); ``attempts`` counts claims so far,
    this one included; ``error`` is the last failure (for a dead letter: why it died).
    """

    id: str
    queue: str
    payload: Any
    attempts: int
    token: str
    max_attempts: int
    error: str | None = None


@dataclass(frozen=True)
class Lease:
    """A held lease: its name, holder and fencing token (larger than every earlier one)."""

    name: str
    owner: str
    token: int


@runtime_checkable
class Queue(Protocol):
    """A durable work queue: every job is done once, by the worker holding its claim."""

    name: str

    def enqueue(
        self,
        payload: Any,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str: ...

    def claim(self, worker: str, lease: float = 30.0) -> Job | None: ...

    def complete(self, job: Job, result: Any = None) -> None: ...

    def fail(self, job: Job, error: str) -> None: ...

    def extend(self, job: Job, lease: float) -> None: ...

    def dead_letters(self) -> list[Job]: ...

    def requeue(self, job_id: str) -> None: ...

    def stats(self) -> dict[str, int]: ...

    def close(self) -> None: ...


@runtime_checkable
class Leases(Protocol):
    """Named leases with fencing tokens: at most one holder per name at a time."""

    def acquire(self, name: str, owner: str, ttl: float) -> Lease | None: ...

    def extend(self, lease: Lease, ttl: float) -> bool: ...

    def release(self, lease: Lease) -> bool: ...

    def holder(self, name: str) -> Lease | None: ...

    def close(self) -> None: ...


class Subscription(Protocol):
    """Events published on one channel after the subscription began, one at a time.

    ``for event in subscription`` waits for each next event for as long as it takes; leave
    the loop with ``break``. ``next(timeout)`` waits at most ``timeout`` seconds.
    """

    def next(self, timeout: float | None = None) -> Any | None: ...

    def __iter__(self) -> Iterator[Any]: ...


class IterableSubscription:
    """``for event in subscription``, for every subscription class that defines ``next``."""

    def next(self, timeout: float | None = None) -> Any | None:  # pragma: no cover
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        """Every next event, waiting for each as long as it takes (leave with ``break``).

        Raises ``BackendUnavailable`` when the connection is lost.
        """
        while True:
            event = self.next(None)
            if event is not None:  # without a timeout only an event ends the wait
                yield event


@runtime_checkable
class Events(Protocol):
    """At-most-once publish/subscribe: a subscriber that is not listening misses events."""

    def publish(self, channel: str, payload: Any) -> None: ...

    def subscribe(self, channel: str) -> AbstractContextManager[Subscription]: ...

    def close(self) -> None: ...


class Closing:
    """``with``-support and ``close()`` for every coordination object."""

    def close(self) -> None:  # pragma: no cover - each backend overrides it
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
