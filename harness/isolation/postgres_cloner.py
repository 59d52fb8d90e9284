"""PostgreSQL places: one worker's template database, cloned for each scenario."""

from __future__ import annotations

import collections
import contextlib
import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from psycopg import sql

from harness.servers.drivers import libpq, with_database
from harness.servers.plugin import worker_name

_counter = itertools.count(1)
AHEAD = 3  # clones of the migrated template kept ready


class PostgresCloner:
    """Owns one worker's template database and clones it for each scenario.

    Every CREATE and DROP runs on one background thread with its own connection, in order:
    the next clones are made while the current scenario runs, and drops never make a scenario
    wait. ``clone()`` then costs a scenario almost nothing (benchmarks/isolation.py).
    """

    def __init__(self, server_url: str, run_id: str, prepare: Callable[[str], None]) -> None:
        self.server_url = server_url
        self.base = f"agentstore_test_{run_id}_{worker_name()}"
        self.template = f"{self.base}_tpl"
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-cloner")
        self._conn: psycopg.Connection | None = None  # touched only on that thread
        self._thread.submit(self._create, self.template, "template0").result()
        prepare(with_database(server_url, self.template))
        # Nobody may connect to the template by mistake (a connection would block cloning).
        self._thread.submit(
            self._execute,
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(
                sql.Identifier(self.template)
            ),
        ).result()
        # Clones made ahead, oldest first: a clone costs 40-350 ms of the server's disk
        # syncs, so several wait ready for a run of short PostgreSQL scenarios.
        self._ready: collections.deque[Future[str]] = collections.deque(
            self._thread.submit(self._create, None, self.template) for _ in range(AHEAD)
        )

    def _execute(self, statement: sql.Composable) -> None:
        if self._conn is None:
            self._conn = psycopg.connect(libpq(self.server_url), autocommit=True, connect_timeout=5)
        self._conn.execute(statement)

    def _create(self, name: str | None, template: str) -> str:
        # The server's default strategy: WAL_LOG on PostgreSQL 15+ (measured ~40 ms a clone
        # here, against ~350 ms for FILE_COPY, whose checkpoints dominate), FILE_COPY on 14.
        name = name or f"{self.base}_{next(_counter)}"
        self._execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        return name

    def clone(self, migrated: bool = True) -> str:
        """A new database: a copy of the migrated template, or empty; returns its URL."""
        if migrated:
            name = self._ready.popleft().result()
            self._ready.append(self._thread.submit(self._create, None, self.template))
        else:
            name = self._thread.submit(self._create, None, "template0").result()
        return with_database(self.server_url, name)

    def drop(self, name: str) -> None:
        """Drop a database this cloner created; the caller does not wait for it."""
        self._thread.submit(
            self._execute,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        )

    def close(self) -> None:
        """Drop the spare clones and the template, after every pending drop, then stop."""
        for ready in self._ready:  # one clone that failed must not keep the others
            with contextlib.suppress(Exception):
                self.drop(ready.result())
        self.drop(self.template)
        self._thread.submit(lambda: self._conn and self._conn.close())
        self._thread.shutdown(wait=True)
