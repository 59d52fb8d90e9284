"""Running the coordination SQL statements for asyncio (leases, the queue): the sync objects'
own statement texts, one at a time in autocommit, on driver connections the object keeps.

A statement is atomic on its own, so a call cancelled half-way either took effect whole or
not at all; its connection is settled (any open transaction rolled back) and given back, or
thrown away when its state is unknown. Failures are told in the sync objects' words.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import exc

from agentstore import errors
from agentstore.asyncio.connections import Connections, Entry
from agentstore.asyncio.memory_sql import ALL, sql_engine
from agentstore.coordination.sql_connections import _NAMED, CLOCKS
from agentstore.db.failures import one_line, translate
from agentstore.urls import BackendURL, scrub


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
            raise self._unreachable(error) from error
        try:
            result = await self._driver.run(entry, self._sql[name], params, fetch)
        except Exception as error:
            await self.connections.discard(entry)
            raise self._failure(error) from error
        except BaseException:  # cancelled: settle the connection, whatever happens next
            await asyncio.shield(self._settle(entry))
            raise
        self.connections.give(entry)
        return result

    async def _settle(self, entry: Entry) -> None:
        try:
            idle = await self._driver.settle(entry[1])
        except Exception:
            idle = False
        if idle:
            self.connections.give(entry)
        else:
            await self.connections.discard(entry)

    def _unreachable(self, error: Exception) -> Exception:
        """A connection that could not be made, in one line with the password hidden."""
        if isinstance(error, errors.AgentstoreError):  # PoolExhausted
            return error
        dbapi = self._engine.dialect.loaded_dbapi
        if isinstance(error, dbapi.Error):  # the driver's own, as raw connections raise it
            error = exc.DBAPIError.instance(None, None, error, dbapi.Error)
        if not isinstance(error, exc.DBAPIError):
            return error
        return translate(error, self.url, self.connections.timeout) or errors.BackendUnavailable(
            f"cannot reach {self.url.redacted}: {scrub(one_line(error.orig), self.url)}"
        )

    def _failure(self, error: Exception) -> Exception:
        """What ``error`` means, in the words of the sync objects (``db.failures``)."""
        if isinstance(error, errors.AgentstoreError):
            return error
        dbapi = self._engine.dialect.loaded_dbapi
        if not isinstance(error, dbapi.Error):
            return error
        wrapped = exc.DBAPIError.instance(None, None, error, dbapi.Error)
        mapped = translate(wrapped, self.url, self.connections.timeout)
        if mapped is None and isinstance(wrapped, exc.OperationalError | exc.InterfaceError):
            mapped = errors.BackendUnavailable(
                f"lost the connection to {self.url.redacted}: {one_line(error)}"
            )
        return mapped or error

    async def close(self) -> None:
        await self.connections.close()
        await self._engine.dispose()
