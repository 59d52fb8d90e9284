"""An ``agentstore.asyncio`` object seen through the sync API, so the same steps drive both.

One class for the memory, the queue, the leases, the events and their subscriptions. Each
opened object lives on an event loop of its own, run by one thread; a call from any thread
(steps race agents in threads) is a coroutine scheduled there, so racing threads become
racing coroutines. The facade offers exactly the methods of the sync protocol it stands for;
one the async object lacks, or has as a plain function, is refused instead of falling back to
the sync API. ``subscribe`` gives a facade over the subscription, on the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any, Self

TIMEOUT = 60.0  # seconds any one call may take before the step fails
#: Sync methods that give a context manager: the async object's gives an ``async with`` one.
CONTEXTS = frozenset({"subscribe"})


class Loop:
    """An event loop running in a thread of its own until ``stop``."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, awaitable: Awaitable[Any], timeout: float | None = TIMEOUT) -> Any:
        """Await ``awaitable`` on the loop, from any thread; its result or its exception. A call
        that times out (or whose caller is interrupted) is cancelled, not left running."""
        future = asyncio.run_coroutine_threadsafe(_running(awaitable), self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        """Cancel what still runs (a thread waiting on it gets ``CancelledError``), then stop."""
        if self._loop.is_running():
            with contextlib.suppress(RuntimeError, TimeoutError):  # a loop already stopping
                asyncio.run_coroutine_threadsafe(_cancel_all(), self._loop).result(TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)
        self._loop.close()


class Facade:
    """The async ``inner`` behind the methods of the sync protocol ``kind``, run on ``loop``.

    ``Facade.open`` opens the object on a loop of its own, which ``close`` stops.
    """

    def __init__(self, loop: Loop, inner: object, kind: type, owns_loop: bool = False) -> None:
        self._loop = loop
        self._kind = kind
        self._owns_loop = owns_loop
        self._closed = False
        self.inner: Any = inner
        self._methods = sync_methods(kind)
        self._fields = sync_fields(kind)
        for name in self._methods - CONTEXTS:
            if not asyncio.iscoroutinefunction(getattr(inner, name, None)):
                raise TypeError(
                    f"the sync facade wraps agentstore.asyncio objects only: {inner!r}'s "
                    f"{name} is not a coroutine (a sync {kind.__name__} needs no facade)"
                )

    @classmethod
    def open(cls, opening: Awaitable[Any], kind: type) -> Self:
        """Await ``opening`` (what an ``agentstore.asyncio`` opener returns) on a new loop of
        its own."""
        loop = Loop()
        try:
            return cls(loop, loop.call(opening), kind, owns_loop=True)
        except BaseException:
            loop.stop()
            raise

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not (name in self._methods or name in self._fields):
            raise AttributeError(name)
        if name in self._fields:
            return getattr(self.inner, name)
        method = getattr(self.inner, name)
        if name in CONTEXTS:
            return lambda *args, **kwargs: self._entered(method(*args, **kwargs))
        return lambda *args, **kwargs: self._loop.call(method(*args, **kwargs))

    @contextmanager
    def _entered(self, context: AbstractAsyncContextManager[Any]) -> Iterator[Facade]:
        """``async with context`` on the loop, its value as a facade (a subscription)."""
        from agentstore.coordination.protocol import Subscription

        inner = self._loop.call(context.__aenter__())
        try:
            yield Facade(self._loop, inner, Subscription)
        except BaseException as error:
            if not self._loop.call(context.__aexit__(type(error), error, error.__traceback__)):
                raise
        else:
            self._loop.call(context.__aexit__(None, None, None))

    def __iter__(self) -> Iterator[Any]:
        """``for event in subscription``: the async object's ``async for``, step by step."""
        if "__iter__" not in vars(self._kind):
            raise TypeError(f"a {self._kind.__name__} is not iterable")
        return self._each(aiter(self.inner))

    def _each(self, events: AsyncIterator[Any]) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.call(anext(events), timeout=None)
            except StopAsyncIteration:
                return

    def run(self, coroutine: Awaitable[Any]) -> Any:
        """Run a helper's coroutine on the object's loop: for what only asyncio can do."""
        return self._loop.call(coroutine)

    def close(self) -> None:
        """Close the object (and stop its own loop); closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            if "close" in self._methods:
                self._loop.call(self.inner.close())
        finally:
            if self._owns_loop:
                self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<sync facade over {self.inner!r}>"


def sync_methods(kind: type) -> frozenset[str]:
    """The public methods of the sync protocol ``kind``."""
    return frozenset(
        name for name, value in vars(kind).items() if not name.startswith("_") and callable(value)
    )


def sync_fields(kind: type) -> frozenset[str]:
    """The attributes (not methods) of the sync protocol ``kind``: a memory's ``namespace``."""
    return frozenset(vars(kind).get("__annotations__", {}))


async def _running(call: Awaitable[Any]) -> Any:
    """``call`` after two turns of the loop, as an asyncio program's loop turns between its
    calls: news from the server (a connection it closed meanwhile) reaches the clients first."""
    for _ in range(2):
        await asyncio.sleep(0)
    return await call


async def _cancel_all() -> None:
    """Cancel every other task on this loop and wait until they have ended."""
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
