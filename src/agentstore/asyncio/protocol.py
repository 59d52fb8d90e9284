"""``AsyncMemoryStore``: the sync ``MemoryStore`` protocol, every method a coroutine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, Self, runtime_checkable

from agentstore.memory.protocol import MemoryStats, StoreLifecycle


@runtime_checkable
class AsyncMemoryStore(Protocol):
    """A key-value memory with time-to-live for asyncio programs; the same on every backend."""

    namespace: str

    async def store(
        self, key: str, value: Any, ttl: float | None = None, partition: str = "default"
    ) -> None: ...

    async def store_many(
        self, mapping: Mapping[str, Any], ttl: float | None = None, partition: str = "default"
    ) -> None: ...

    async def retrieve(self, key: str, default: Any = None) -> Any: ...

    async def retrieve_many(self, keys: Iterable[str]) -> dict[str, Any]: ...

    async def delete(self, key: str) -> bool: ...

    async def exists(self, key: str) -> bool: ...

    async def ttl(self, key: str) -> float | None: ...

    async def search(self, pattern: str) -> dict[str, Any]: ...

    async def list_keys(self, prefix: str = "", partition: str | None = None) -> list[str]: ...

    async def clear_partition(self, partition: str) -> int: ...

    async def stats(self) -> MemoryStats: ...

    async def increment(self, key: str, by: int = 1) -> int: ...

    async def compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: float | None = None
    ) -> bool: ...

    async def cleanup_expired(self) -> int: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


class AsyncStoreLifecycle:
    """What every async backend shares: ``async with``, and the sync stores' safe repr."""

    url: str
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
