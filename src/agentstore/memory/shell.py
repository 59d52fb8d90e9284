"""The sync ``MemoryStore`` API over operations: each call builds the backend's operation
(:mod:`sql_operations`, :mod:`redis_operations`) and hands it to the store's driver.

``agentstore.asyncio.memory_shell`` is the same shell with ``await``: the operations, and so
the behaviour, are the ones both APIs share; the backends differ only in ``_perform``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from agentstore.driving import Runnable, run
from agentstore.memory.protocol import MemoryStats, StoreLifecycle


class MemoryOperations(Protocol):
    """The memory API as :mod:`agentstore.driving` operations, every argument given."""

    def store(self, key: str, value: Any, ttl: float | None, partition: str) -> Runnable[None]: ...

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None, partition: str
    ) -> Runnable[None]: ...

    def retrieve(self, key: str, default: Any) -> Runnable[Any]: ...

    def retrieve_many(self, keys: Iterable[str]) -> Runnable[dict[str, Any]]: ...

    def delete(self, key: str) -> Runnable[bool]: ...

    def exists(self, key: str) -> Runnable[bool]: ...

    def ttl(self, key: str) -> Runnable[float | None]: ...

    def search(self, pattern: str) -> Runnable[dict[str, Any]]: ...

    def list_keys(self, prefix: str, partition: str | None) -> Runnable[list[str]]: ...

    def clear_partition(self, partition: str) -> Runnable[int]: ...

    def stats(self) -> Runnable[MemoryStats]: ...

    def increment(self, key: str, by: int) -> Runnable[int]: ...

    def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None
    ) -> Runnable[bool]: ...

    def cleanup_expired(self) -> Runnable[int]: ...


class Memory(StoreLifecycle):
    """A ``MemoryStore``: ``_ops`` says what each call does; ``_perform`` runs each request
    it makes, blocking (the backend's driver)."""

    _ops: MemoryOperations
    _perform: Callable[[Any], Any]

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        return run(self._ops.store(key, value, ttl, partition), self._perform)

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        return run(self._ops.store_many(mapping, ttl, partition), self._perform)

    def retrieve(self, key: str, default: Any = None) -> Any:
        return run(self._ops.retrieve(key, default), self._perform)

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return run(self._ops.retrieve_many(keys), self._perform)

    def delete(self, key: str) -> bool:
        return run(self._ops.delete(key), self._perform)

    def exists(self, key: str) -> bool:
        return run(self._ops.exists(key), self._perform)

    def ttl(self, key: str) -> float | None:
        return run(self._ops.ttl(key), self._perform)

    def search(self, pattern: str) -> dict[str, Any]:
        return run(self._ops.search(pattern), self._perform)

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        return run(self._ops.list_keys(prefix, partition), self._perform)

    def clear_partition(self, partition: str) -> int:
        return run(self._ops.clear_partition(partition), self._perform)

    def stats(self) -> MemoryStats:
        return run(self._ops.stats(), self._perform)

    def increment(self, key: str, by: int = 1) -> int:
        return run(self._ops.increment(key, by), self._perform)

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        return run(self._ops.compare_and_set(key, expected, new, ttl), self._perform)

    def cleanup_expired(self) -> int:
        return run(self._ops.cleanup_expired(), self._perform)
