"""``AsyncMemoryStore``, ``AsyncQueue``, ``AsyncLeases``, ``AsyncEvents``: the sync
``MemoryStore``, ``Queue``, ``Leases`` and ``Events`` protocols, every method a coroutine (same
names, arguments, errors)."""

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, Self, runtime_checkable

from agentstore.coordination.protocol import Job, Lease
from agentstore.memory.protocol import MemoryStats, StoreLifecycle
from agentstore.urls import BackendURL
from agentstore.values import JSON


@runtime_checkable
class AsyncMemoryStore(Protocol):
    """A key-value memory with time-to-live for asyncio programs; the same on every backend."""

    namespace: str

    async def store(
        self, key: str, value: JSON, ttl: float | None = None, partition: str = "default"
    ) -> None:
        """Store ``value`` under ``key`` in ``partition``, replacing what was there; it expires
        after ``ttl`` seconds (``None``: never). Raises ``InvalidKey`` (a key outside the
        namespace), ``InvalidValue`` (a value JSON cannot hold exactly), ``InvalidTTL``,
        ``BackendUnavailable``."""
        ...

    async def store_many(
        self, mapping: Mapping[str, JSON], ttl: float | None = None, partition: str = "default"
    ) -> None:
        """Store every pair at once, all or nothing (as the sync ``store_many``)."""
        ...

    async def retrieve(self, key: str, default: JSON = None) -> JSON:
        """The value under ``key``, or ``default`` when it is absent or expired.

        Raises ``InvalidKey``, ``BackendUnavailable``."""
        ...

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, JSON]:
        """The values of those ``keys`` that are present, by key (absent ones left out)."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; say whether a live entry was there."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live (unexpired) entry."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds ``key`` has left, or ``None`` for an entry without a TTL.

        Raises ``KeyError`` when ``key`` holds no live entry."""
        ...

    async def search(self, pattern: str) -> dict[str, JSON]:
        """Every live entry whose key matches the glob ``pattern`` (``*``, ``?``, ``[...]``);
        a pattern outside the namespace matches nothing."""
        ...

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        """The live keys starting with ``prefix``, sorted; only ``partition``'s if given."""
        ...

    async def clear_partition(self, partition: str) -> int:
        """Delete every entry of ``partition``; return how many were deleted."""
        ...

    async def stats(self) -> MemoryStats:
        """How many live keys and bytes the store holds, and per partition."""
        ...

    async def increment(self, key: str, by: int = 1) -> int:
        """Add ``by`` to the whole number under ``key`` (absent: 0) atomically; return the
        new value. Raises ``InvalidValue`` when the key holds something else."""
        ...

    async def compare_and_set(
        self, key: str, expected: JSON, new: JSON, ttl: float | None = None
    ) -> bool:
        """Atomically replace the value with ``new`` if it equals ``expected``; say whether
        (compared as the sync ``compare_and_set`` compares)."""
        ...

    async def cleanup_expired(self) -> int:
        """Delete the expired entries now (they are never read anyway); return how many."""
        ...

    async def close(self) -> None:
        """Give back the store's connections; also done by leaving a ``with`` block."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


@runtime_checkable
class AsyncQueue(Protocol):
    """A durable work queue for asyncio programs: every job is done once, by the worker
    holding its claim. It shares the sync ``Queue``'s storage: sync and async workers take
    jobs from one queue."""

    name: str

    async def enqueue(
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

    async def claim(self, worker: str, lease: float = 30.0) -> Job | None:
        """Take the next ready job for ``lease`` seconds, or ``None`` when none is ready.

        A job whose lease lapses is ready again for another worker. Raises ``InvalidName`` for
        a bad worker name, ``BackendUnavailable`` when the server does not answer."""
        ...

    async def complete(self, job: Job, result: Any = None) -> None:
        """Mark the claimed ``job`` done. Raises ``LeaseLost`` when this claim is no longer
        the job's current one, ``UnknownJob`` for a job this queue never held."""
        ...

    async def fail(self, job: Job, error: str) -> None:
        """Record a failed attempt: retried after a doubling backoff, kept as a dead letter
        once its attempts are spent. Raises ``LeaseLost`` as ``complete`` does."""
        ...

    async def extend(self, job: Job, lease: float) -> None:
        """Keep the claim on ``job`` for ``lease`` more seconds from now.

        Raises ``LeaseLost`` as ``complete`` does."""
        ...

    async def dead_letters(self) -> list[Job]:
        """The jobs that spent their attempts, each with its last ``error``."""
        ...

    async def requeue(self, job_id: str) -> None:
        """Make the dead letter ``job_id`` ready again with fresh attempts.

        Raises ``UnknownJob`` when no dead letter has that id."""
        ...

    async def stats(self) -> dict[str, int]:
        """How many jobs are in each state (``ready``, ``delayed``, ``running``, ``done``,
        ``dead``), every state named."""
        ...

    async def close(self) -> None:
        """Give back the queue's connections; also done by leaving an ``async with`` block."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


@runtime_checkable
class AsyncLeases(Protocol):
    """Named leases with fencing tokens for asyncio programs: at most one holder per name at
    a time, sync and async holders alike."""

    async def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Hold ``name`` for ``ttl`` seconds, with a new, larger fencing token; ``None`` while
        someone else holds it. Raises ``InvalidName``, ``InvalidInput`` for a bad ``ttl``,
        ``BackendUnavailable`` when the server does not answer."""
        ...

    async def extend(self, lease: Lease, ttl: float) -> bool:
        """Renew ``lease`` for ``ttl`` seconds from now; ``False`` when it was lost (lapsed or
        taken by another holder), and then nothing changes."""
        ...

    async def release(self, lease: Lease) -> bool:
        """Let ``lease`` go at once; ``False`` when it was no longer held by it."""
        ...

    async def holder(self, name: str) -> Lease | None:
        """Who holds ``name`` now, or ``None``."""
        ...

    async def close(self) -> None:
        """Give back the connections; also done by leaving an ``async with`` block."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


class AsyncSubscription(Protocol):
    """Events published on one channel after the subscription began, one at a time.

    ``async for event in subscription`` waits for each next event for as long as it takes;
    leave the loop with ``break``. ``await next(timeout)`` waits at most ``timeout`` seconds.
    """

    async def next(self, timeout: float | None = None) -> JSON:
        """The next event, or ``None`` when none came within ``timeout`` seconds (``None``:
        wait as long as it takes). Raises ``BackendUnavailable`` when the connection is lost."""
        ...

    def __aiter__(self) -> AsyncIterator[JSON]:
        """Every next event, waiting for each as long as it takes (leave with ``break``)."""
        ...


@runtime_checkable
class AsyncEvents(Protocol):
    """At-most-once publish/subscribe for asyncio programs, on the sync ``Events``' channels:
    a sync subscriber hears what an async publisher sends, and back."""

    async def publish(self, channel: str, payload: JSON) -> None:
        """Send ``payload`` to whoever listens on ``channel`` now; nobody keeps it for later.

        Raises ``InvalidName``, ``InvalidValue`` (a payload JSON cannot hold exactly, or on
        PostgreSQL one over 7999 bytes), ``BackendUnavailable``."""
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncSubscription]:
        """Listen on ``channel`` from now until the ``async with`` block ends.

        Raises ``InvalidName``, ``BackendUnavailable``."""
        ...

    async def close(self) -> None:
        """Give back the connections; also done by leaving an ``async with`` block."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


class AsyncIterableSubscription:
    """``async for event in subscription``, for every subscription class that defines ``next``."""

    async def next(self, timeout: float | None = None) -> JSON:  # pragma: no cover
        raise NotImplementedError

    async def __aiter__(self) -> AsyncIterator[JSON]:
        """Every next event, waiting for each as long as it takes (leave with ``break``).

        Raises ``BackendUnavailable`` when the connection is lost.
        """
        while True:
            event = await self.next(None)
            if event is not None:  # without a timeout only an event ends the wait
                yield event


class AsyncClosing:
    """``async with`` for every async store and coordination object: closes it on the way
    out."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class AsyncStoreLifecycle(AsyncClosing):
    """What every async memory backend shares: ``async with``, and the sync stores' safe
    repr."""

    url: BackendURL
    namespace: str
    prefix: str

    __repr__ = StoreLifecycle.__repr__
