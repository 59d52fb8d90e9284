"""What every coordination backend offers: the ``Queue``, ``Leases`` and ``Events`` protocols,
and the ``Job`` and ``Lease`` a caller holds.

A claimed ``Job`` carries a claim token that is new on every claim: ``complete``, ``fail`` and
``extend`` succeed only with the token of the current claim, so a worker whose lease lapsed
and whose job another worker took over is refused (``LeaseLost``) and changes nothing.
A ``Lease`` carries a fencing token that only grows under its name, never reused.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self, runtime_checkable

from agentstore.values import JSON

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
    payload: Any  # JSON; Any so that job.payload["key"] needs no narrowing
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
        payload: JSON,
        max_attempts: int = 3,
        run_at: datetime | float | None = None,
        priority: int = 0,
    ) -> str:
        """Add a job and return its id; it is ready at ``run_at`` (a datetime, or seconds from
        now; ``None``: at once), higher ``priority`` first, and dies after ``max_attempts``
        claims. Raises ``InvalidValue`` for a payload JSON cannot hold exactly, ``InvalidInput``
        for a bad number, ``BackendUnavailable`` when the server does not answer."""
        ...

    def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """Take the next ready job for ``lease`` seconds, or ``None`` when none is ready.

        A job whose lease lapses is ready again for another worker. Raises ``InvalidName`` for
        a bad worker name, ``BackendUnavailable`` when the server does not answer."""
        ...

    def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed ``job`` done. Raises ``LeaseLost`` when this claim is no longer
        the job's current one (its lease lapsed and another worker took it over),
        ``UnknownJob`` for a job this queue never held."""
        ...

    def fail(self, job: Job, error: str) -> None:
        """Record a failed attempt: retried after a doubling backoff, kept as a dead letter
        once its attempts are spent. Raises ``LeaseLost`` as ``complete`` does."""
        ...

    def extend(self, job: Job, lease: float) -> None:
        """Keep the claim on ``job`` for ``lease`` more seconds from now.

        Raises ``LeaseLost`` as ``complete`` does."""
        ...

    def dead_letters(self) -> list[Job]:
        """The jobs that spent their attempts, each with its last ``error``."""
        ...

    def requeue(self, job_id: str) -> None:
        """Make the dead letter ``job_id`` ready again with fresh attempts.

        Raises ``UnknownJob`` when no dead letter has that id."""
        ...

    def stats(self) -> dict[str, int]:
        """How many jobs are in each state (``ready``, ``delayed``, ``running``, ``done``,
        ``dead``), every state named."""
        ...

    def close(self) -> None:
        """Give back the queue's connections; also done by leaving a ``with`` block."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class Leases(Protocol):
    """Named leases with fencing tokens: at most one holder per name at a time."""

    def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Hold ``name`` for ``ttl`` seconds, with a new, larger fencing token; ``None`` while
        someone else holds it. Raises ``InvalidName``, ``InvalidInput`` for a bad ``ttl``,
        ``BackendUnavailable`` when the server does not answer."""
        ...

    def extend(self, lease: Lease, ttl: float) -> bool:
        """Renew ``lease`` for ``ttl`` seconds from now; ``False`` when it was lost (lapsed or
        taken by another holder), and then nothing changes."""
        ...

    def release(self, lease: Lease) -> bool:
        """Let ``lease`` go at once; ``False`` when it was no longer held by it."""
        ...

    def holder(self, name: str) -> Lease | None:
        """Who holds ``name`` now, or ``None``."""
        ...

    def close(self) -> None:
        """Give back the connections; also done by leaving a ``with`` block."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class Subscription(Protocol):
    """Events published on one channel after the subscription began, one at a time.

    ``for event in subscription`` waits for each next event for as long as it takes; leave
    the loop with ``break``. ``next(timeout)`` waits at most ``timeout`` seconds.
    """

    def next(self, timeout: float | None = None) -> JSON:
        """The next event, or ``None`` when none came within ``timeout`` seconds (``None``:
        wait as long as it takes). Raises ``BackendUnavailable`` when the connection is lost."""
        ...

    def __iter__(self) -> Iterator[JSON]:
        """Every next event, waiting for each as long as it takes (leave with ``break``)."""
        ...


class IterableSubscription:
    """``for event in subscription``, for every subscription class that defines ``next``."""

    def next(self, timeout: float | None = None) -> JSON:  # pragma: no cover
        raise NotImplementedError

    def __iter__(self) -> Iterator[JSON]:
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

    def publish(self, channel: str, payload: JSON) -> None:
        """Send ``payload`` to whoever listens on ``channel`` now; nobody keeps it for later.

        Raises ``InvalidName``, ``InvalidValue`` (a payload JSON cannot hold exactly, or on
        PostgreSQL one over 7999 bytes), ``BackendUnavailable``."""
        ...

    def subscribe(self, channel: str) -> AbstractContextManager[Subscription]:
        """Listen on ``channel`` from now until the ``with`` block ends.

        Raises ``InvalidName``, ``BackendUnavailable``."""
        ...

    def close(self) -> None:
        """Give back the connections; also done by leaving a ``with`` block."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class Closing:
    """``with``-support and ``close()`` for every coordination object."""

    def close(self) -> None:  # pragma: no cover - each backend overrides it
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
