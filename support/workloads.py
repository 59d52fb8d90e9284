"""Workloads for the connection rules: callers that hold connections, runs of operations,
SQLite readers that keep a snapshot and writers that hold the file.

Everything here goes through the public API (``Database.session`` and the record functions);
the few facts only the server knows come from ``support.inspect_db``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from agentstore import Database
from agentstore.db import records
from agentstore.errors import AgentstoreError, DuplicateName
from support import inspect_db


def hold_connections(database: Database, count: int, stack: contextlib.ExitStack) -> None:
    """Open ``count`` sessions that each hold a connection until ``stack`` closes."""
    for _ in range(count):
        session = stack.enter_context(database.session())
        records.count_agents(session)


def ask_for_connection(database: Database) -> None:
    """One caller's request for a connection (it runs one small query)."""
    with database.session() as session:
        records.count_agents(session)


def backend_ids_of_operations(database: Database, count: int) -> set[int]:
    """Run ``count`` operations one after another; the server connections that served them."""
    served = set()
    for _ in range(count):
        with database.session() as session:
            records.count_agents(session)
            served.add(inspect_db.backend_id(session))
    return served


def operation(database: Database, index: int, refuse_every: int) -> None:
    """Operation ``index``: a read, or, every ``refuse_every``-th time, a write that is refused."""
    with database.session() as session:
        if index % refuse_every == refuse_every - 1:
            records.create_agent(session, f"twin-{index}", "helper")
            records.create_agent(session, f"twin-{index}", "helper")
        records.count_agents(session)


def run_operations(database: Database, count: int, threads: int, refuse_every: int) -> int:
    """Run ``count`` operations on ``threads`` threads; how many were refused as expected."""

    def one(index: int) -> int:
        try:
            operation(database, index, refuse_every)
        except DuplicateName:
            return 1
        return 0

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return sum(pool.map(one, range(count)))


@dataclass
class Reader:
    """A reader inside one open transaction: it keeps the snapshot its first read took."""

    database: Database
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    session: Session | None = None

    def count_agents(self) -> int:
        if self.session is None:
            self.session = self.stack.enter_context(self.database.session())
        return records.count_agents(self.session)

    def close(self) -> None:
        self.stack.close()


@dataclass
class HoldingWriter:
    """A writer, on its own thread, that adds an agent and keeps the write lock a moment."""

    database: Database
    name: str
    hold_seconds: float
    holding: threading.Event = field(default_factory=threading.Event)
    error: AgentstoreError | None = None
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()
        assert self.holding.wait(10), "the first writer never took the write lock"

    def _write(self) -> None:
        try:
            with self.database.session() as session:
                records.create_agent(session, self.name, "writer")
                self.holding.set()
                time.sleep(self.hold_seconds)
        except AgentstoreError as error:
            self.error = error
        finally:
            self.holding.set()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(30)
