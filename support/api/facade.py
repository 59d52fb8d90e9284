"""The async memory seen through the sync API, so every memory step drives it unchanged.

Each call of the facade runs the store's coroutine to completion on the scenario's own event
loop (an ``asyncio.Runner``): no threads, no second implementation of any behaviour. The
facade offers exactly the sync ``MemoryStore``'s methods; one the async store lacks fails
loudly instead of falling back to the sync store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Self

from agentstore.asyncio import AsyncMemoryStore
from agentstore.asyncio import open_memory as open_async_memory
from agentstore.memory.protocol import MemoryStore

#: The methods of the sync API, every one of which the async store must offer as a coroutine.
METHODS = frozenset(
    name for name in vars(MemoryStore) if not name.startswith("_") and name != "namespace"
)


class SyncFacade:
    """An ``AsyncMemoryStore`` behind the ``MemoryStore`` methods, run on ``runner``'s loop."""

    def __init__(self, runner: asyncio.Runner, url: str, namespace: str, prefix: str) -> None:
        self._runner = runner
        self._store: AsyncMemoryStore = runner.run(_opened(url, namespace=namespace, prefix=prefix))
        self.namespace = namespace
        self._closed = False

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in METHODS:
            raise AttributeError(name)
        method = getattr(self._store, name)
        if not asyncio.iscoroutinefunction(method):
            raise TypeError(f"agentstore.asyncio's {name} is not a coroutine")
        return lambda *args, **kwargs: self._runner.run(_running(method(*args, **kwargs)))

    @property
    def inner(self) -> AsyncMemoryStore:
        """The async store itself, for the one support module that looks under the API."""
        return self._store

    def run(self, coroutine: Any) -> Any:
        """Run a helper's coroutine on the store's event loop."""
        return self._runner.run(coroutine)

    def close(self) -> None:
        """Close the store; closing it again does nothing (as the sync stores)."""
        if not self._closed:
            self._closed = True
            self._runner.run(self._store.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<sync facade over {self._store!r}>"


async def _opened(url: str, namespace: str, prefix: str) -> AsyncMemoryStore:
    return await open_async_memory(url, namespace=namespace, prefix=prefix)


async def _running(call: Any) -> Any:
    """``call`` on a loop that has run a moment first, as an asyncio program's loop always
    runs: between two calls of a step this loop stood still, so news from the server (a
    connection it closed meanwhile) reaches the clients only now, before the call."""
    for _ in range(2):
        await asyncio.sleep(0)
    return await call
