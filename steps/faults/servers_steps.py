"""Steps for servers that fail: stopping hard, restarting, cutting connections, stalling,
and a SQLite file another program has locked."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd import given, when

from agentstore.errors import BackendUnavailable
from harness.isolation.places import Isolated, Isolation
from harness.servers.faults import sqlite_write_lock_held
from harness.servers.faults_plugin import FaultPlace
from steps.parameter_types import phrase
from support.faults import calls as fault_calls
from support.faults import queue as fault_queue
from support.faults import workload as fault_workload
from support.memory.agents import Agent


@pytest.fixture
def held() -> Iterator[contextlib.ExitStack]:
    """Faults that last until the scenario ends (a pause, a lock), released then."""
    with contextlib.ExitStack() as stack:
        yield stack


def _agent(place: FaultPlace, isolation: Isolation, query: str = "") -> Agent:
    memory = isolation.closing(fault_calls.open_agent_memory(place, query))
    return Agent(Isolated(place.backend, place.url, place.prefix), memory)


_step = phrase


# -- Given ----------------------------------------------------------------------------------


@given(_step("an agent with a memory on a server that may fail"), target_fixture="agent")
def _(fault_place: FaultPlace, isolation: Isolation) -> Agent:
    """An agent whose memory is on a throwaway server of the faults feature (never a shared
    one); on SQLite, a file of the scenario's own."""
    return _agent(fault_place, isolation)


@given(
    _step(
        "an agent with a memory on a server that may fail,"
        " waiting at most {wait:Duration} for an answer"
    ),
    target_fixture="agent",
)
def _(fault_place: FaultPlace, isolation: Isolation, wait: float) -> Agent:
    """As above, with the operator's bound on how long a call waits for the server's answer."""
    query = fault_calls.wait_bound_query(fault_place.backend, wait)
    return _agent(fault_place, isolation, query)


@given(_step("the server keeps an append-only file synced on every write"))
def _(fault_place: FaultPlace) -> None:
    """Redis writes every acknowledged write to its append-only file before answering."""
    fault_calls.server_of(fault_place).keep("aof")


@given(_step("the server keeps nothing on disk"))
def _(fault_place: FaultPlace) -> None:
    """Redis with neither an append-only file nor snapshots (a cache, as often deployed)."""
    fault_calls.server_of(fault_place).keep("none")


@given(_step("the agent remembers {count:d} facts, each acknowledged"), target_fixture="acked")
def _(agent: Agent, count: int) -> dict[str, Any]:
    """The agent stores facts one call at a time; each call returning is an acknowledgement."""
    acked = {}
    for n in range(count):
        key = f"aqe/facts/{n:03d}"
        agent.memory.store(key, {"fact": n})
        acked[key] = {"fact": n}
    return acked


@given(
    _step("{count:d} agents sharing a memory on a server that keeps every acknowledged write"),
    target_fixture="workload",
)
def _(fault_place: FaultPlace, count: int) -> Iterator[fault_workload.Workload]:
    """Agents, each with its own memory of one place; Redis keeps an append-only file synced
    on every write (PostgreSQL always keeps acknowledged commits)."""
    if fault_place.backend == "redis":
        fault_calls.server_of(fault_place).keep("aof")
    workload = fault_workload.Workload(fault_place, count)
    yield workload
    workload.stop()


@given(
    _step("a queue of {count:d} tasks on a server that keeps every acknowledged write"),
    target_fixture="tasks",
)
def _(fault_place: FaultPlace, count: int) -> int:
    """Tasks numbered 0 .. count-1 on the scenario's queue; Redis keeps an append-only file
    synced on every write (PostgreSQL always keeps acknowledged commits)."""
    if fault_place.backend == "redis":
        fault_calls.server_of(fault_place).keep("aof")
    fault_queue.fill(fault_place, count)
    return count


# -- When: faults ---------------------------------------------------------------------------


@when(_step("the server stops hard"))
def _(fault_place: FaultPlace) -> None:
    """Stopped at once, as by a crash (PostgreSQL immediate stop; Redis shutdown, no save)."""
    fault_calls.server_of(fault_place).stop_hard()


@when(_step("the server stops hard and starts again"))
def _(fault_place: FaultPlace) -> None:
    """A crash and a restart on the same port with the same data folder."""
    server = fault_calls.server_of(fault_place)
    server.stop_hard()
    server.start()


@when(_step("the server stops hard, the agent's call fails, and the server starts again"))
def _(fault_place: FaultPlace, agent: Agent) -> None:
    """The agent meets the outage (and must get an error), then the server comes back."""
    server = fault_calls.server_of(fault_place)
    server.stop_hard()
    outcome = fault_calls.timed(lambda: fault_calls.a_call(agent.memory))
    assert isinstance(outcome.error, BackendUnavailable), f"during the outage: {outcome}"
    server.start()


@when(_step("the server cuts every connection"))
def _(fault_place: FaultPlace) -> None:
    """The server ends every client connection (as a failover or an administrator would)."""
    assert fault_calls.server_of(fault_place).terminate_clients() >= 1, (
        "the agent had no connection to cut"
    )


@when(_step("the server stalls for {seconds:Duration}"))
def _(fault_place: FaultPlace, held: contextlib.ExitStack, seconds: float) -> None:
    """The server accepts calls but answers none until the scenario ends (at most this long)."""
    held.enter_context(fault_calls.stalled(fault_place, seconds))


@when(_step("another program holds the write lock for {seconds:Duration}"))
def _(fault_place: FaultPlace, held: contextlib.ExitStack, seconds: float) -> None:
    """Another process takes the SQLite file's write lock and keeps it (at most this long)."""
    assert fault_place.path is not None
    held.enter_context(sqlite_write_lock_held(fault_place.path, seconds))
