"""The ``AsyncMemoryStore`` API over operations: the sync shell
(:mod:`agentstore.memory.shell`) with ``await``; the operations are the sync stores' own
(``agentstore.memory.sql_operations``, ``redis_operations``), run by an async driver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from agentstore.asyncio.protocol import AsyncStoreLifecycle
from agentstore.driving import run_async
from agentstore.memory.protocol import MemoryStats
from agentstore.memory.shell import MemoryOperations


class AsyncMemory(AsyncStoreLifecycle):
    """An ``AsyncMemoryStore``: ``_ops`` says what each call does; ``_perform`` gives the
    awaitable of each request it makes, ``_meaning`` what a failure means (the driver)."""

    _ops: MemoryOperations
    _perform: Callable[[Any], Awaitable[Any]]
    _meaning: Callable[[Exception], Exception] | None = None

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None:
        return await run_async(
            self._ops.store(key, value, ttl, partition), self._perform, self._meaning
        )

    async def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None:
        return await run_async(
            self._ops.store_many(mapping, ttl, partition), self._perform, self._meaning
        )

    async def retrieve(self, key: str, default: Any = None) -> Any:
        return await run_async(self._ops.retrieve(key, default), self._perform, self._meaning)

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return await run_async(self._ops.retrieve_many(keys), self._perform, self._meaning)

    async def delete(self, key: str) -> bool:
        return await run_async(self._ops.delete(key), self._perform, self._meaning)

    async def exists(self, key: str) -> bool:
        return await run_async(self._ops.exists(key), self._perform, self._meaning)

    async def ttl(self, key: str) -> float | None:
        return await run_async(self._ops.ttl(key), self._perform, self._meaning)

    async def search(self, pattern: str) -> dict[str, Any]:
        return await run_async(self._ops.search(pattern), self._perform, self._meaning)

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]:
        return await run_async(self._ops.list_keys(prefix, partition), self._perform, self._meaning)

    async def clear_partition(self, partition: str) -> int:
        return await run_async(self._ops.clear_partition(partition), self._perform, self._meaning)

    async def stats(self) -> MemoryStats:
        return await run_async(self._ops.stats(), self._perform, self._meaning)

    async def increment(self, key: str, by: int = 1) -> int:
        return await run_async(self._ops.increment(key, by), self._perform, self._meaning)

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None = None
    ) -> bool:
        return await run_async(
            self._ops.compare_and_set(key, expected, new, ttl), self._perform, self._meaning
        )

    async def cleanup_expired(self) -> int:
        return await run_async(self._ops.cleanup_expired(), self._perform, self._meaning)
