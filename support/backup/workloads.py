"""Stores to back up and the moves a scenario makes: seed, back up, restore, export, import.

Every file lives in the scenario's temporary folder; every database is an isolated place
(``isolation.new``), so a scenario never sees another's data.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agentstore import Database, errors, open_memory
from agentstore import backup as backups
from agentstore.db import demo, records
from harness.isolation.places import Isolation
from support.backup import state as backup_state


@dataclass
class Store:
    """A store in a scenario: its backend, URL and memory prefix."""

    backend: str
    url: str
    prefix: str = ""


@dataclass
class Outcome:
    """What a backup move did: its summary, or the error it raised."""

    summary: Any = None
    error: errors.AgentstoreError | None = None
    before: dict[str, Any] = field(default_factory=dict)


def new_store(isolation: Isolation, backend: str) -> Store:
    place = isolation.new(backend)
    return Store(backend, place.url, place.prefix if backend == "redis" else "")


def seeded(isolation: Isolation, backend: str, agents: int, executions: int, seed: int = 11):
    """A store holding ``agents`` agents with ``executions`` executions in all (0 and 0: an
    empty store; executions without an agent fail the scenario in one line, no traceback)."""
    if agents < 1 and executions > 0:
        pytest.fail(
            f"a store cannot hold {executions} executions with {agents} agents: every execution"
            " belongs to an agent (write at least 1 agent)",
            pytrace=False,
        )
    store = new_store(isolation, backend)
    if agents < 1:
        return store
    with Database(store.url) as database:
        demo.seed(database, agents, executions=executions, seed=seed)
    return store


def counts(store: Store) -> tuple[int, int]:
    """How many agents and executions the store holds."""
    with Database(store.url) as database, database.session() as session:
        return records.count_agents(session), records.count_executions(session)


def attempt(action, *args, **kwargs) -> Outcome:
    """Run a backup move, keeping its summary or the agentstore error it raised."""
    try:
        return Outcome(summary=action(*args, **kwargs))
    except errors.AgentstoreError as error:
        return Outcome(error=error)


def backup_while_writing(store: Store, path: Path) -> Outcome:
    """Back up while another connection keeps adding agents with 10 executions each.

    The backup starts once the writer has committed 3 agents (however loaded the machine is)
    and the writer goes on until it ends.
    """
    stop = threading.Event()
    committed = threading.Semaphore(0)

    def writer() -> None:
        with Database(store.url) as database:
            while not stop.is_set():
                with database.session() as session:
                    agent = records.create_agent(session, f"busy-{time.monotonic_ns()}", "coder")
                    for _ in range(10):
                        records.record_execution(session, agent.id, "written during the backup")
                committed.release()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for _ in range(3):
            if not committed.acquire(timeout=60):
                raise AssertionError("the writer committed nothing within 60 s")
        return attempt(backups.backup, store.url, path)
    finally:
        stop.set()
        thread.join(30)


def add_agent_with_execution(store: Store) -> tuple[int, int]:
    """Record one new agent with one execution; their ids."""
    with Database(store.url) as database, database.session() as session:
        agent = records.create_agent(session, f"newcomer-{time.monotonic_ns()}", "planner")
        run = records.record_execution(session, agent.id, "first task after the restore")
        return agent.id, run.id


def highest_ids(state: dict[str, Any]) -> tuple[int, int]:
    rows = state["rows"]
    return (
        max((a["id"] for a in rows["agents"]), default=0),
        max((e["id"] for e in rows["executions"]), default=0),
    )


def remember(store: Store, facts: dict[str, float | None]) -> None:
    """Store each fact (key -> TTL seconds or None) with a value derived from its key."""
    with open_memory(store.url, "aqe", store.prefix) as memory:
        for key, ttl in facts.items():
            memory.store(key, {"fact": key, "n": len(key)}, ttl=ttl)


def whole_state(store: Store) -> dict[str, Any]:
    """Everything the store holds that a restore or import could change."""
    state: dict[str, Any] = {"memory": backup_state.memory(store.url, "aqe", store.prefix)}
    if store.backend != "redis":
        state["records"] = backup_state.records(store.url)
    return state
