"""Running the coordination SQL statements for asyncio (leases, the queue): the sync objects'
own statement texts, one at a time in autocommit, on driver connections the object keeps.

A statement is atomic on its own, so a call cancelled half-way either took effect whole or
not at all; its connection is settled (any open transaction rolled back) and given back, or
thrown away when its state is unknown. Failures are told in the sync objects' words.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agentstore.asyncio.connections import Connections, Entry
from agentstore.asyncio.memory_sql import ALL, sql_engine
from agentstore.coordination.sql_connections import _NAMED, CLOCKS
from agentstore.db.failures import connection_lost, driver_failure, raise_meaning
from agentstore.urls import BackendURL


class SqlCalls:
    """Named statements on a PostgreSQL or SQLite database, run by name."""

    def __init__(self, url: BackendURL, statements: dict[str, str]) -> None:
        self.url = url
        engine, driver, limit, timeout, _ = sql_engine(url)
        if url.backend == "postgres":  # psycopg's named style; sqlite takes ``:name`` as written
            statements = {k: _NAMED.sub(r"%(\1)s", v) for k, v in statements.items()}
        self._sql = statements
        self._engine = engine
        self._driver = driver
        self.connections = Connections(engine, driver.prepare, limit=limit, timeout=timeout)

    @staticmethod
    def clock(backend: str) -> str:
        """The database's clock in epoch seconds, as the sync statements read it."""
        return CLOCKS[backend]

    async def check(self, probe: str) -> None:
        """Run ``probe`` once: an unreachable or never-migrated database fails here, clearly
        (and the connections are closed)."""
        try:
            await self(probe, {}, ALL)
        except BaseException:
            await self.close()
            raise

    async def __call__(self, name: str, params: dict[str, Any], fetch: str) -> Any:
        """Run statement ``name``; ``fetch``: ``ALL`` rows or the ``COUNT`` of rows changed."""
        try:
            entry = await self.connections.take()
        except Exception as error:  # could not connect
            raise_meaning(error, self._meaning(error, connecting=True))
        try:
            result = await self._driver.run(entry, self._sql[name], params, fetch)
        except Exception as error:
            lost = connection_lost(error, entry[0], self._engine.dialect)
            await self.connections.discard(entry)
            raise_meaning(error, self._meaning(error, lost))
        except BaseException:  # cancelled: settle the connection, whatever happens next
            await asyncio.shield(self._settle(entry))
            raise
        self.connections.give(entry)
        return result

    def _meaning(self, error: Exception, lost: bool = False, connecting: bool = False) -> Exception:
        """What ``error`` means, in the sync objects' words (``db.failures``)."""
        timeout = self.connections.timeout
        found = driver_failure(error, self.url, timeout, lost=lost, connecting=connecting)
        return found or error

    async def _settle(self, entry: Entry) -> None:
        try:
            idle = await self._driver.settle(entry[1])
        except Exception:
            idle = False
        if idle:
            self.connections.give(entry)
        else:
            await self.connections.discard(entry)

    async def close(self) -> None:
        await self.connections.close()
        await self._engine.dispose()
