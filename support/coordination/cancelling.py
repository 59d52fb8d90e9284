"""The async queue and leases seen through the sync API, so the coordination steps drive them
unchanged (``--api=async``), and the one workload only asyncio has: cancelling a claim.

Steps call leases from several threads at once (agents racing for a lease), and queue
workers run in threads of their own, so each async object lives on an event loop of its
own, run by one thread; a call from any thread is a coroutine scheduled on that loop, and
racing threads become racing coroutines there. Only the sync API's methods are offered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from agentstore import Job
from agentstore import open_queue as open_sync_queue
from agentstore.asyncio import open_leases as open_async_leases
from agentstore.asyncio import open_queue as open_async_queue
from agentstore.coordination import Queue
from support.api import binding as api_binding
from support.coordination.effects import EffectLog

LEASE_METHODS = frozenset({"acquire", "extend", "release", "holder"})
QUEUE_METHODS = frozenset(
    {"enqueue", "claim", "complete", "fail", "extend", "dead_letters", "requeue", "stats"}
)
TIMEOUT = 60.0  # seconds any one call may take before the step fails


class LoopFacade:
    """An async object behind its sync methods, on a loop thread of its own."""

    methods: frozenset[str] = frozenset()

    def __init__(self, opening: Callable[[], Awaitable[Any]]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._closed = False
        try:
            self.inner = self._call(_awaited(opening))
        except BaseException:
            self._stop()
            raise

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in self.methods:
            raise AttributeError(name)
        method = getattr(self.inner, name)
        return lambda *args, **kwargs: self._call(method(*args, **kwargs))

    def run(self, work: Callable[[Any], Coroutine[Any, Any, Any]]) -> Any:
        """Run ``work(the async object)`` on its loop: for what only asyncio can do."""
        return self._call(work(self.inner))

    def close(self) -> None:
        """Close the object and stop its loop; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._call(self.inner.close())
        finally:
            self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)
        self._loop.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LeasesFacade(LoopFacade):
    """``agentstore.asyncio``'s leases behind the sync ``Leases`` methods."""

    methods = LEASE_METHODS

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(lambda: open_async_leases(url, prefix=prefix))


class QueueFacade(LoopFacade):
    """``agentstore.asyncio``'s work queue behind the sync ``Queue`` methods."""

    methods = QUEUE_METHODS

    def __init__(self, url: str, name: str, **options: Any) -> None:
        super().__init__(lambda: open_async_queue(url, name, **options))
        self.name = name


def open_queue(url: str, name: str, **options: Any) -> Queue:
    """The queue ``name`` through the API this run drives (``--api``)."""
    if api_binding.selected == "async":
        return QueueFacade(url, name, **options)  # type: ignore[return-value]
    return open_sync_queue(url, name, **options)


async def _awaited(opening: Callable[[], Awaitable[Any]]) -> Any:
    return await opening()


# -- cancelling a claim ---------------------------------------------------------------------

#: Cancellations tried before giving up on landing one while the server takes a task.
CANCEL_TRIES = 400
HOLD_LOOP = 0.003  # seconds the loop is held before a cancellation (see _cancel_until_taken)


def cancel_claim_mid_call(queue: Queue, effects: Path, lease: float) -> int:
    """Cancel claims, each a few more loop turns after it starts, until one is cancelled
    after the server gave it a task (the caller never hears which); returns after how many
    turns. A claim that returned before its cancellation is an ordinary worker's: it does
    its task (recorded in ``effects``) and completes it."""
    if not isinstance(queue, QueueFacade):
        raise TypeError("only agentstore.asyncio's queue can be cancelled mid-call")
    return int(queue.run(lambda inner: _cancel_until_taken(inner, effects, lease)))


async def _cancel_until_taken(queue: Any, effects: Path, lease: float) -> int:
    with EffectLog(effects) as log:
        for tries in range(CANCEL_TRIES):
            turns = tries % 50
            held = (await queue.stats())["running"]
            task = asyncio.create_task(queue.claim("hasty-worker", lease=lease))
            for _ in range(turns):
                await asyncio.sleep(0)
            # Hold the loop a moment: what the claim has sent, the server answers meanwhile,
            # but the claim cannot read the answer before it is cancelled.
            time.sleep(HOLD_LOOP)
            task.cancel()
            (answer,) = await asyncio.gather(task, return_exceptions=True)
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, Job):  # it returned first: an ordinary worker's claim
                log.record(answer.payload["n"], "hasty-worker", answer.token)
                await queue.complete(answer)
            elif (await queue.stats())["running"] > held:
                return turns
    raise AssertionError(f"none of {CANCEL_TRIES} cancellations landed while a task was taken")
