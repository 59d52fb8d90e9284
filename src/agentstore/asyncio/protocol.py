"""``AsyncMemoryStore``: the sync ``MemoryStore`` protocol, every method a coroutine."""

from collections.abc import Iterable, Mapping
from typing import Protocol, Self, runtime_checkable

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


class AsyncStoreLifecycle:
    """What every async backend shares: ``async with``, and the sync stores' safe repr."""

    url: BackendURL
    namespace: str
    prefix: str

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    __repr__ = StoreLifecycle.__repr__


class AsyncClosing:
    """``async with`` for the async coordination objects: closes them on the way out."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
