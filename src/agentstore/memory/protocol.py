"""The ``MemoryStore`` protocol every backend implements, and the ``MemoryStats`` it reports."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, Self, runtime_checkable

from agentstore.urls import BackendURL, redact
from agentstore.values import JSON


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
        self, key: str, value: JSON, ttl: float | None = None, partition: str = "default"
    ) -> None:
        """Store ``value`` under ``key`` in ``partition``, replacing what was there; it expires
        after ``ttl`` seconds (``None``: never). Raises ``InvalidKey`` (a key outside the
        namespace), ``InvalidValue`` (a value JSON cannot hold exactly), ``InvalidTTL``,
        ``BackendUnavailable``."""
        ...

    def store_many(
        self, mapping: Mapping[str, JSON], ttl: float | None = None, partition: str = "default"
    ) -> None:
        """Store every pair at once, all or nothing at any size: a batch that fails part-way
        (a lost connection, a deadlock that retries could not clear) leaves nothing of it."""
        ...

    def retrieve(self, key: str, default: JSON = None) -> JSON:
        """The value under ``key``, or ``default`` when it is absent or expired.

        Raises ``InvalidKey``, ``BackendUnavailable``."""
        ...

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, JSON]:
        """The values of those ``keys`` that are present, by key (absent ones left out)."""
        ...

    def delete(self, key: str) -> bool:
        """Remove ``key``; say whether a live entry was there."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live (unexpired) entry."""
        ...

    def ttl(self, key: str) -> float | None:
        """Seconds ``key`` has left, or ``None`` for an entry without a TTL.

        Raises ``KeyError`` when ``key`` holds no live entry."""
        ...

    def search(self, pattern: str) -> dict[str, JSON]:
        """Every live entry whose key matches the glob ``pattern`` (``*``, ``?``, ``[...]``);
        a pattern outside the namespace matches nothing."""
        ...

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        """The live keys starting with ``prefix``, sorted; only ``partition``'s if given."""
        ...

    def clear_partition(self, partition: str) -> int:
        """Delete every entry of ``partition``; return how many were deleted."""
        ...

    def stats(self) -> MemoryStats:
        """How many live keys and bytes the store holds, and per partition."""
        ...

    def increment(self, key: str, by: int = 1) -> int:
        """Add ``by`` to the whole number under ``key`` (absent: 0) atomically; return the
        new value. Raises ``InvalidValue`` when the key holds something else."""
        ...

    def compare_and_set(
        self, key: str, expected: JSON, new: JSON, ttl: float | None = None
    ) -> bool:
        """Atomically replace the value with ``new`` if it equals ``expected``; say whether.

        Values are compared in canonical form: object keys in any order match, but ``1``,
        ``1.0`` and ``True`` are three different values. ``expected=None`` means "nothing
        there", exactly what ``retrieve`` reports as ``None``: an absent or expired key, or
        one holding JSON null (a swap from null keeps the key's partition and is allowed, since
        no caller can tell the two apart through ``retrieve``)."""
        ...

    def cleanup_expired(self) -> int:
        """Delete the expired entries now (they are never read anyway); return how many."""
        ...

    def close(self) -> None:
        """Give back the store's connections; also done by leaving a ``with`` block."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class StoreLifecycle:
    """What every backend shares: use as a context manager, and a repr without secrets."""

    url: BackendURL
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
