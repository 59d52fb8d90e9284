"""The ``AsyncMemoryStore`` API over operations: the sync shell
(:mod:`agentstore.memory.shell`) with ``await``; the operations are the sync stores' own
(``agentstore.memory.sql_operations``, ``redis_operations``), run by an async driver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from agentstore.asyncio.protocol import AsyncStoreLifecycle
from agentstore.driving import Operation
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.shell import MemoryOperations

T = TypeVar("T")


class AsyncMemory(AsyncStoreLifecycle):
    """An ``AsyncMemoryStore``: ``_ops`` says what each call does, ``_run`` drives it."""

    _ops: MemoryOperations

    async def _run(self, operation: Operation[T]) -> T:
        raise NotImplementedError

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        return await self._run(self._ops.store(key, value, ttl, partition))

    async def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        return await self._run(self._ops.store_many(mapping, ttl, partition))

    async def retrieve(self, key: str, default: Any = None) -> Any:
        return await self._run(self._ops.retrieve(key, default))

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return await self._run(self._ops.retrieve_many(keys))

    async def delete(self, key: str) -> bool:
        return await self._run(self._ops.delete(key))

    async def exists(self, key: str) -> bool:
        return await self._run(self._ops.exists(key))

    async def ttl(self, key: str) -> float | None:
        return await self._run(self._ops.ttl(key))

    async def search(self, pattern: str) -> dict[str, Any]:
        return await self._run(self._ops.search(pattern))

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        return await self._run(self._ops.list_keys(prefix, partition))

    async def clear_partition(self, partition: str) -> int:
        return await self._run(self._ops.clear_partition(partition))

    async def stats(self) -> MemoryStats:
        return await self._run(self._ops.stats())

    async def increment(self, key: str, by: int = 1) -> int:
        return await self._run(self._ops.increment(key, by))

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None = None
    ) -> bool:
        return await self._run(self._ops.compare_and_set(key, expected, new, ttl))

    async def cleanup_expired(self) -> int:
        return await self._run(self._ops.cleanup_expired())
