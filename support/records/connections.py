"""Workloads for the connection rules: callers that hold connections, runs of operations,
SQLite readers that keep a snapshot and writers that hold the file.

Everything here goes through the public API (``Database.session`` and the record functions);
the few facts only the server knows come from ``support.underneath.sql``.
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
from support.common.outcomes import Outcome, attempt
from support.underneath import sql as inspect_db


def hold_connections(database: Database, count: int, stack: contextlib.ExitStack) -> None:
    """Open ``count`` sessions that each hold a connection until ``stack`` closes."""
    for _ in range(count):
        session = stack.enter_context(database.session())
        records.count_agents(session)


PATIENCE_MS = 1500
"""How much later than its configured wait a loaded machine may refuse a caller: far below
any other timeout (connecting takes up to 5 s), so a wait that is not the pool's shows."""


@dataclass(frozen=True)
class Timed:
    """How a request ended, and how long the caller waited for that answer (seconds)."""

    outcome: Outcome
    seconds: float


def ask_for_connection(database: Database) -> Timed:
    """One caller's request for a connection (it runs one small query), timed."""

    def query() -> None:
        with database.session() as session:
            records.count_agents(session)

    started = time.monotonic()
    outcome = attempt(query)
    return Timed(outcome, time.monotonic() - started)


def add_agent(database: Database, name: str, role: str = "writer") -> None:
    """A writer adds the agent ``name`` in a transaction of its own and commits."""
    with database.session() as session:
        records.create_agent(session, name, role)


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


@dataclass(frozen=True)
class Run:
    """A run of operations: how many ran, and how many were refused as a taken name."""

    count: int
    refused: int


def run_operations(database: Database, count: int, threads: int, refuse_every: int) -> Run:
    """Run ``count`` operations on ``threads`` threads; how many were refused as expected."""

    def one(index: int) -> int:
        try:
            operation(database, index, refuse_every)
        except DuplicateName:
            return 1
        return 0

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Run(count, sum(pool.map(one, range(count))))


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
    """A writer, on its own thread, that adds an agent and keeps the write lock a while.

    ``holding`` is set once it holds the lock, ``hold_over`` once its hold has ended (just
    before it commits); ``hold_ended_at`` says when, on the ``time.monotonic`` clock.
    """

    database: Database
    name: str
    hold_seconds: float
    holding: threading.Event = field(default_factory=threading.Event)
    hold_over: threading.Event = field(default_factory=threading.Event)
    hold_ended_at: float | None = None
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
                self.hold_ended_at = time.monotonic()
                self.hold_over.set()
        except AgentstoreError as error:
            self.error = error
        finally:
            self.holding.set()
            self.hold_over.set()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join(30)
            assert not self.thread.is_alive(), "the first writer is still running"


@dataclass(frozen=True)
class ContendedWrite:
    """A write made while another writer held the file, and whether it really had to wait."""

    outcome: Outcome
    started_while_held: bool
    finished_after_hold: bool
    waited_seconds: float


def write_while_held(database: Database, first: HoldingWriter, name: str) -> ContendedWrite:
    """Add the agent ``name`` while ``first`` holds the file; then let ``first`` finish.

    Contention is shown by events, not by timing alone: the write began while the first
    writer's hold was active, and it ended only after that hold was over (the file cannot
    be written before the first writer commits, which it does after its hold).
    """
    started_while_held = first.holding.is_set() and not first.hold_over.is_set()
    started = time.monotonic()
    outcome = attempt(lambda: add_agent(database, name))
    finished = time.monotonic()
    first.join()
    hold_ended_at = first.hold_ended_at
    return ContendedWrite(
        outcome,
        started_while_held=started_while_held,
        finished_after_hold=hold_ended_at is not None and finished >= hold_ended_at,
        waited_seconds=finished - started,
    )
