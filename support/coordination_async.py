"""The async leases seen through the sync API, so the lease steps drive them unchanged
(``--api=async``).

The steps call the leases from several threads at once (agents racing for a lease), so the
async leases live on an event loop of their own, run by one thread for the scenario; each
call from any thread is a coroutine scheduled on that loop, and racing threads become
racing coroutines there. Only the sync ``Leases`` methods are offered.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from agentstore.asyncio import open_leases as open_async_leases

METHODS = frozenset({"acquire", "extend", "release", "holder"})
TIMEOUT = 60.0  # seconds any one call may take before the step fails


class LeasesFacade:
    """Async leases behind the sync ``Leases`` methods, on a loop thread of their own."""

    def __init__(self, url: str, prefix: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._closed = False
        self._leases = self._call(_opened(url, prefix))

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in METHODS:
            raise AttributeError(name)
        method = getattr(self._leases, name)
        return lambda *args, **kwargs: self._call(method(*args, **kwargs))

    def close(self) -> None:
        """Close the leases and stop their loop; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._call(self._leases.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(TIMEOUT)
            self._loop.close()


async def _opened(url: str, prefix: str) -> Any:
    return await open_async_leases(url, prefix=prefix)
