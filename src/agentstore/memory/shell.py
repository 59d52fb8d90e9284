"""The sync ``MemoryStore`` API over operations: each call builds the backend's operation
(:mod:`sql_operations`, :mod:`redis_operations`) and hands it to the store's driver.

``agentstore.asyncio.memory_shell`` is the same shell with ``await``: the operations, and so
the behaviour, are the ones both APIs share; the backends differ only in ``_run``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from agentstore.driving import Operation
from agentstore.memory.protocol import MemoryStats, StoreLifecycle

T = TypeVar("T")


class MemoryOperations(Protocol):
    """The memory API as :mod:`agentstore.driving` operations, every argument given."""

    def store(self, key: str, value: Any, ttl: float | None, partition: str) -> Operation[None]: ...

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None, partition: str
    ) -> Operation[None]: ...

    def retrieve(self, key: str, default: Any) -> Operation[Any]: ...

    def retrieve_many(self, keys: Iterable[str]) -> Operation[dict[str, Any]]: ...

    def delete(self, key: str) -> Operation[bool]: ...

    def exists(self, key: str) -> Operation[bool]: ...

    def ttl(self, key: str) -> Operation[float | None]: ...

    def search(self, pattern: str) -> Operation[dict[str, Any]]: ...

    def list_keys(self, prefix: str, partition: str | None) -> Operation[list[str]]: ...

    def clear_partition(self, partition: str) -> Operation[int]: ...

    def stats(self) -> Operation[MemoryStats]: ...

    def increment(self, key: str, by: int) -> Operation[int]: ...

    def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None
    ) -> Operation[bool]: ...

    def cleanup_expired(self) -> Operation[int]: ...


class Memory(StoreLifecycle):
    """A ``MemoryStore``: ``_ops`` says what each call does, ``_run`` drives it (blocking)."""

    _ops: MemoryOperations

    def _run(self, operation: Operation[T]) -> T:
        raise NotImplementedError

    def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        return self._run(self._ops.store(key, value, ttl, partition))

    def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        return self._run(self._ops.store_many(mapping, ttl, partition))

    def retrieve(self, key: str, default: Any = None) -> Any:
        return self._run(self._ops.retrieve(key, default))

    def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return self._run(self._ops.retrieve_many(keys))

    def delete(self, key: str) -> bool:
        return self._run(self._ops.delete(key))

    def exists(self, key: str) -> bool:
        return self._run(self._ops.exists(key))

    def ttl(self, key: str) -> float | None:
        return self._run(self._ops.ttl(key))

    def search(self, pattern: str) -> dict[str, Any]:
        return self._run(self._ops.search(pattern))

    def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        return self._run(self._ops.list_keys(prefix, partition))

    def clear_partition(self, partition: str) -> int:
        return self._run(self._ops.clear_partition(partition))

    def stats(self) -> MemoryStats:
        return self._run(self._ops.stats())

    def increment(self, key: str, by: int = 1) -> int:
        return self._run(self._ops.increment(key, by))

    def compare_and_set(self, key: str, expected: Any, new: Any, ttl: float | None = None) -> bool:
        return self._run(self._ops.compare_and_set(key, expected, new, ttl))

    def cleanup_expired(self) -> int:
        return self._run(self._ops.cleanup_expired())
