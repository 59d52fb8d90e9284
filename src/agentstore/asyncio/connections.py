"""Driver connections an async SQL store keeps for its life: the asyncio twin of the sync
store's ``Connections`` (same limit and timeout, a future per waiter instead of a condition).

The hot path pops an idle connection; with none idle, a caller opens one while fewer than
``limit`` exist, and otherwise waits, first come first served, for one to be given back. A
waiter that gives up (``timeout`` passed: ``PoolExhausted``; or cancelled) never strands a
connection handed to it at the same moment: it passes it on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from agentstore import errors
from agentstore.db.failures import driver_failure

#: (SQLAlchemy's pooled connection, the driver's async connection, a cursor on it)
Entry = tuple[Any, Any, Any]


class Connections:
    """At most ``limit`` driver connections, each checked out of ``engine``'s pool once."""

    def __init__(
        self,
        engine: AsyncEngine,
        prepare: Callable[[Any], Awaitable[Any]],
        *,
        limit: int,
        timeout: float,
        stale: Callable[[Any], bool] | None = None,
    ) -> None:
        self.limit = limit
        self._stale = stale
        self.timeout = timeout
        self.opened = 0
        self._engine = engine
        self._prepare = prepare
        self._idle: list[Entry] = []
        self._all: list[Any] = []
        # A waiter's future gets an entry, or None: "a slot is yours, open a connection".
        self._waiters: deque[asyncio.Future[Entry | None]] = deque()

    @property
    def idle(self) -> int:
        """How many connections are in the store's hands, not in a caller's."""
        return len(self._idle)

    async def take(self) -> Entry:
        """An idle connection, a new one, or the next one given back within ``timeout``."""
        while self._idle:
            entry = self._idle.pop()
            if self._stale is None or not self._stale(entry[1]):
                return entry
            await self.discard(entry)  # the server ended it while it sat idle
        if self.opened < self.limit:
            self.opened += 1
            return await self._open_in_slot()
        handed = await self._wait()
        return await self._open_in_slot() if handed is None else handed

    def give(self, entry: Entry) -> None:
        """Give a healthy connection back: to the first waiter, else to the idle list."""
        waiter = self._next_waiter()
        if waiter is None:
            self._idle.append(entry)
        else:
            waiter.set_result(entry)

    async def discard(self, entry: Entry) -> None:
        """Throw away a broken (or unknown-state) connection; its slot goes to a waiter."""
        with suppress(ValueError):
            self._all.remove(entry[0])
        with suppress(Exception):  # a connection the server already dropped
            await greenlet_spawn(entry[0].invalidate)
        self._free_slot()

    def _free_slot(self) -> None:
        waiter = self._next_waiter()
        if waiter is None:
            self.opened -= 1
        else:
            waiter.set_result(None)

    def _next_waiter(self) -> asyncio.Future[Entry | None] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    async def _wait(self) -> Entry | None:
        waiter: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.timeout):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                handed = waiter.result()  # handed over just as this caller gave up: pass it on
                if handed is None:
                    self._free_slot()
                else:
                    self.give(handed)
            else:
                waiter.cancel()
                with suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise self._exhausted() from None
            raise

    def _exhausted(self) -> errors.AgentstoreError:
        where = self._engine.url.render_as_string(hide_password=True)
        error = driver_failure(exc.TimeoutError("memory connections"), where, self.timeout)
        assert error is not None  # a pool timeout always means PoolExhausted
        return error

    async def _open_in_slot(self) -> Entry:
        try:
            fairy = await self._engine.raw_connection()
        except BaseException:
            self._free_slot()
            raise
        try:
            cursor = await self._prepare(fairy.driver_connection)
        except BaseException:
            await asyncio.shield(greenlet_spawn(fairy.invalidate))
            self._free_slot()
            raise
        self._all.append(fairy)
        return fairy, fairy.driver_connection, cursor

    async def close(self) -> None:
        """Close every connection; callers still waiting get ``PoolExhausted`` in time."""
        self._idle.clear()
        for fairy in self._all:
            with suppress(Exception):  # a connection the server already dropped
                await greenlet_spawn(fairy.close)
        self._all.clear()
        self.opened = 0


class SharedReaders:
    """SQLite connections that reads share, several in flight on each (WAL: readers never
    wait for the writer). aiosqlite runs a connection's calls in order on its own thread, so
    queued reads keep that thread busy instead of waiting for the event loop to hand the
    connection on; a cancelled read changes nothing, so nothing needs settling."""

    def __init__(
        self, engine: AsyncEngine, prepare: Callable[[Any], Awaitable[Any]], *, size: int
    ) -> None:
        self.size = size
        self._engine = engine
        self._prepare = prepare
        self._busy: dict[Any, int] = {}  # driver connection -> reads in flight on it
        self._fairies: dict[Any, Any] = {}
        self._opening = 0

    async def pick(self) -> Any:
        """An idle reader, a new one while fewer than ``size`` exist, else the least busy."""
        for driver, busy in self._busy.items():
            if not busy:
                return driver
        if len(self._busy) + self._opening < self.size:
            self._opening += 1
            try:
                fairy = await self._engine.raw_connection()
                try:
                    await self._prepare(fairy.driver_connection)
                except BaseException:
                    await asyncio.shield(greenlet_spawn(fairy.invalidate))
                    raise
            finally:
                self._opening -= 1
            self._fairies[fairy.driver_connection] = fairy
            self._busy[fairy.driver_connection] = 0
            return fairy.driver_connection
        if not self._busy:  # every reader is still opening: wait for one
            await asyncio.sleep(0)
            return await self.pick()
        return min(self._busy, key=self._busy.__getitem__)

    async def read(self, driver: Any, text: str, args: Any) -> list[Any]:
        """All rows of one statement on ``driver`` (a connection from :meth:`pick`)."""
        self._busy[driver] = self._busy.get(driver, 0) + 1
        try:
            return list(await driver.execute_fetchall(text, args))
        finally:
            if driver in self._busy:
                self._busy[driver] -= 1

    def fairy(self, driver: Any) -> Any:
        """SQLAlchemy's pooled connection around a reader's ``driver``."""
        return self._fairies.get(driver)

    async def discard(self, driver: Any) -> None:
        """Stop using a reader whose connection broke."""
        self._busy.pop(driver, None)
        fairy = self._fairies.pop(driver, None)
        if fairy is not None:
            with suppress(Exception):
                await greenlet_spawn(fairy.invalidate)

    async def close(self) -> None:
        for fairy in self._fairies.values():
            with suppress(Exception):
                await greenlet_spawn(fairy.close)
        self._fairies.clear()
        self._busy.clear()
