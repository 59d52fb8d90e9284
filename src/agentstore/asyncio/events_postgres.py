"""Events on PostgreSQL LISTEN/NOTIFY for asyncio: the sync events' channels, payload limit
and errors (:mod:`agentstore.coordination.events_postgres`), on psycopg's async connections.

A subscriber holds a connection of its own; publishing goes through the object's pool.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from agentstore.asyncio.memory_sql import ALL
from agentstore.asyncio.protocol import AsyncClosing, AsyncIterableSubscription
from agentstore.asyncio.sql_calls import SqlCalls
from agentstore.coordination.events_postgres import NOTIFY, listen, lost, notice, unreachable
from agentstore.coordination.validation import decode
from agentstore.urls import BackendURL


class PostgresSubscription(AsyncIterableSubscription):
    """Notifications of one channel, read one at a time."""

    def __init__(self, connection: Any, url: BackendURL) -> None:
        self._connection = connection
        self._url = url
        self._buffer: deque[str] = deque()

    async def next(self, timeout: float | None = None) -> Any | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        if not self._buffer:
            import psycopg

            try:
                async for notify in self._connection.notifies(timeout=timeout, stop_after=1):
                    self._buffer.append(notify.payload)
            except psycopg.Error as error:
                raise lost(self._url, error) from error
        return decode(self._buffer.popleft()) if self._buffer else None


class PostgresEvents(AsyncClosing):
    """Async ``Events`` on PostgreSQL; ``prefix`` keeps one store's channels from another's."""

    def __init__(self, url: BackendURL, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._run = SqlCalls(url, {"notify": NOTIFY})

    async def publish(self, channel: str, payload: Any) -> None:
        """Send ``payload`` to every subscriber listening now (nobody keeps it for later)."""
        await self._run("notify", notice(self.prefix, channel, payload), ALL)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[PostgresSubscription]:
        """Listen on ``channel`` from now until the block ends."""
        import psycopg

        statement = listen(self.prefix, channel)
        try:
            connection = await psycopg.AsyncConnection.connect(
                self.url.libpq, autocommit=True, connect_timeout=5
            )
        except psycopg.Error as error:
            raise unreachable(self.url, error) from error
        try:
            await connection.execute(statement)
            yield PostgresSubscription(connection, self.url)
        finally:
            with suppress(Exception):
                await connection.close()

    async def close(self) -> None:
        await self._run.close()
