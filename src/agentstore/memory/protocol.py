"""The ``MemoryStore`` protocol every backend implements, and the ``MemoryStats`` it reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, runtime_checkable

from agentstore.urls import redact


@dataclass(frozen=True)
class MemoryStats:
    """What a store holds right now, expired entries left out.

    ``bytes`` counts the stored (UTF-8 JSON) size of the values; ``partitions`` maps each
    partition that holds live keys to how many it holds.
    """

    keys: int
    bytes: int
    partitions: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class MemoryStore(Protocol):
    """A key-value memory with time-to-live, shared by agents; the same on every backend.

    A value comes back exactly as stored (key order, ints, floats, booleans). A ``ttl`` is
    any real number of seconds above zero (``int``, ``float``, ``Fraction``, ``Decimal``,
    NumPy scalars), never a ``bool``. One store may be shared by many threads.
    """

    namespace: str

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None: ...

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        """Store every pair at once, all or nothing at any size: a batch that fails part-way
        (a lost connection, a deadlock that retries could not clear) leaves nothing of it."""
        ...

    def retrieve(self, key: str, default: Any = None) -> Any: ...

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]: ...

    def delete(self, key: str) -> bool: ...

    def exists(self, key: str) -> bool: ...

    def ttl(self, key: str) -> float | None: ...

    def search(self, pattern: str) -> dict[str, Any]: ...

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]: ...

    def clear_partition(self, partition: str) -> int: ...

    def stats(self) -> MemoryStats: ...

    def increment(self, key: str, by: int = 1) -> int: ...

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        """Atomically replace the value with ``new`` if it equals ``expected``; say whether.

        Values are compared in canonical form: object keys in any order match, but ``1``,
        ``1.0`` and ``True`` are three different values. ``expected=None`` means "nothing
        there", exactly what ``retrieve`` reports as ``None``: an absent or expired key, or
        one holding JSON null (a swap from null keeps the key's partition and is allowed, since
        no caller can tell the two apart through ``retrieve``)."""
        ...

    def cleanup_expired(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class StoreLifecycle:
    """What every backend shares: use as a context manager, and a repr without secrets."""

    url: str
    namespace: str
    prefix: str

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {redact(self.url)} "
            f"namespace={self.namespace!r} prefix={self.prefix!r}>"
        )
