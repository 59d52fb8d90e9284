"""Steps for faults: servers that stop, restart, cut connections or stall, and a locked file."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from agentstore.errors import BackendUnavailable
from harness.isolation.places import Isolated, Isolation
from harness.servers.faults import sqlite_write_lock_held
from harness.servers.faults_plugin import FaultPlace
from steps.memory_steps import Agent
from steps.parameter_types import TYPES
from support.faults import calls as fault_calls
from support.faults import queue as fault_queue
from support.faults import workload as fault_workload
from support.faults.calls import CallOutcome, DoctorRun, ThreadedCalls


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


@pytest.fixture
def held() -> Iterator[contextlib.ExitStack]:
    """Faults that last until the scenario ends (a pause, a lock), released then."""
    with contextlib.ExitStack() as stack:
        yield stack


def _agent(place: FaultPlace, isolation: Isolation, query: str = "") -> Agent:
    memory = isolation.closing(fault_calls.open_agent_memory(place, query))
    return Agent(Isolated(place.backend, place.url, place.prefix), memory)


def _server(place: FaultPlace) -> Any:
    assert place.server is not None, f"{place.backend} has no server to fault"
    return place.server


# -- Given --------------------------------------------------------------------------------


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
    _server(fault_place).keep("aof")


@given(_step("the server keeps nothing on disk"))
def _(fault_place: FaultPlace) -> None:
    """Redis with neither an append-only file nor snapshots (a cache, as often deployed)."""
    _server(fault_place).keep("none")


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
        _server(fault_place).keep("aof")
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
        _server(fault_place).keep("aof")
    fault_queue.fill(fault_place, count)
    return count


# -- When: faults ---------------------------------------------------------------------------


@when(_step("the server stops hard"))
def _(fault_place: FaultPlace) -> None:
    """Stopped at once, as by a crash (PostgreSQL immediate stop; Redis shutdown, no save)."""
    _server(fault_place).stop_hard()


@when(_step("the server stops hard and starts again"))
def _(fault_place: FaultPlace) -> None:
    """A crash and a restart on the same port with the same data folder."""
    server = _server(fault_place)
    server.stop_hard()
    server.start()


@when(_step("the server stops hard, the agent's call fails, and the server starts again"))
def _(fault_place: FaultPlace, agent: Agent) -> None:
    """The agent meets the outage (and must get an error), then the server comes back."""
    server = _server(fault_place)
    server.stop_hard()
    outcome = fault_calls.timed(lambda: fault_calls.a_call(agent.memory))
    assert isinstance(outcome.error, BackendUnavailable), f"during the outage: {outcome}"
    server.start()


@when(_step("the server cuts every connection"))
def _(fault_place: FaultPlace) -> None:
    """The server ends every client connection (as a failover or an administrator would)."""
    assert _server(fault_place).terminate_clients() >= 1, "the agent had no connection to cut"


@when(_step("the server stalls for {seconds:Duration}"))
def _(fault_place: FaultPlace, held: contextlib.ExitStack, seconds: float) -> None:
    """The server accepts calls but answers none until the scenario ends (at most this long)."""
    held.enter_context(fault_calls.stalled(fault_place, seconds))


@when(_step("another program holds the write lock for {seconds:Duration}"))
def _(fault_place: FaultPlace, held: contextlib.ExitStack, seconds: float) -> None:
    """Another process takes the SQLite file's write lock and keeps it (at most this long)."""
    assert fault_place.path is not None
    held.enter_context(sqlite_write_lock_held(fault_place.path, seconds))


# -- When: the agents' calls ------------------------------------------------------------------


@when(_step("the agent calls it from {count:d} threads at once"), target_fixture="calls")
def _(agent: Agent, count: int) -> ThreadedCalls:
    """``count`` worker threads of the agent each make an ordinary call."""
    calls = ThreadedCalls(before=fault_calls.live_thread_ids())
    calls.start([lambda: fault_calls.a_call(agent.memory)] * count)
    return calls


@when(_step("the agent remembers {count:d} facts at once"), target_fixture="outcome")
def _(agent: Agent, count: int) -> CallOutcome:
    """One batch write of ``count`` facts; what the memory held before is kept to compare."""
    before = fault_calls.snapshot(agent.memory)
    batch = {f"aqe/batch/{n}": n for n in range(count)}
    outcome = fault_calls.timed(lambda: agent.memory.store_many(batch))
    outcome.before = before
    return outcome


@when(_step("the agents work while the server stops hard and starts again"))
def _(workload: fault_workload.Workload, fault_place: FaultPlace) -> None:
    """Every agent has a write acknowledged, the server restarts, every agent has one again."""
    fault_workload.through_restart(workload, _server(fault_place))


@when(
    _step(
        "{agents:d} agents, each holding a task for {lease:Duration},"
        " complete the tasks while the server stops hard for longer than that and starts again"
    ),
    target_fixture="tally",
)
def _(fault_place: FaultPlace, agents: int, lease: float) -> fault_queue.Tally:
    """Agents in threads claim, work and complete, retrying refused calls after a pause,
    until the queue is empty. Once some tasks are completed the server stops hard, stays
    down longer than a lease (every claim held then lapses) and starts again."""
    return fault_queue.through_restart(fault_place, agents, lease)


@when(_step("the agents work through random faults for the soak's duration"))
def _(
    workload: fault_workload.Workload,
    fault_place: FaultPlace,
    soak_seconds: float,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Faults at random moments (seeded; the seed is printed) for ``--soak-seconds``."""
    seed = random.SystemRandom().randrange(2**32)
    fault_workload.soak(workload, fault_place, soak_seconds, random.Random(seed))
    with capsys.disabled():
        print(f"\nsoak (seed {seed}, {soak_seconds:g} s): {workload.summary()}")


# -- Then -----------------------------------------------------------------------------------


@then(_step("the agent's next call fails within {bound:Duration} with one line naming the server"))
def _(agent: Agent, fault_place: FaultPlace, bound: float) -> None:
    """A ``BackendUnavailable`` in one line naming the backend and its address, in time."""
    outcome = fault_calls.timed(lambda: fault_calls.a_call(agent.memory))
    fault_calls.assert_clear_failure(outcome, fault_place.backend, fault_place.url, bound)


@then(_step("the agent's next call succeeds without the agent being restarted"))
def _(agent: Agent) -> None:
    """The very next call (a write, then a read of it) succeeds on the same memory object."""
    agent.memory.store("aqe/status", "carrying on")
    assert agent.memory.retrieve("aqe/status") == "carrying on"


@then(_step("the agent recalls all {count:d} facts"))
def _(agent: Agent, acked: dict[str, Any], count: int) -> None:
    """Every acknowledged fact comes back with its value."""
    assert len(acked) == count
    assert agent.memory.retrieve_many(list(acked)) == acked


@then(_step("the agent recalls none of the {count:d} facts"))
def _(agent: Agent, acked: dict[str, Any], count: int) -> None:
    """Not one of the acknowledged facts survived."""
    assert len(acked) == count
    assert agent.memory.retrieve_many(list(acked)) == {}


@then(_step("every call fails within {bound:Duration} with one line naming the server"))
def _(calls: ThreadedCalls, fault_place: FaultPlace, bound: float) -> None:
    """Each call ends in time with a ``BackendUnavailable`` naming the backend and address."""
    calls.join(bound)
    assert not calls.still_running(), f"calls still waiting after {bound:g} s"
    assert len(calls.outcomes) == len(calls.threads)
    for outcome in calls.outcomes:
        fault_calls.assert_clear_failure(outcome, fault_place.backend, fault_place.url, bound)


@then(_step("no thread of the agent is left blocked"))
def _(calls: ThreadedCalls) -> None:
    """No thread started since the calls began is still alive (checked while still stalled)."""
    left = fault_calls.threads_started_since(calls.before)
    assert not left, f"threads left behind: {left}"


@then(
    _step(
        "the write is refused after at least {least:Duration}"
        " and within {most:Duration}, in one line"
    )
)
def _(outcome: CallOutcome, fault_place: FaultPlace, least: float, most: float) -> None:
    """Refused with ``BackendUnavailable`` after waiting out the busy timeout, within a bound."""
    fault_calls.assert_clear_failure(outcome, fault_place.backend, fault_place.url, most)
    assert outcome.seconds >= least - 0.05, f"refused after {outcome.seconds:.2f} s only"


@then(_step("the agent's memory is exactly as it was before the write"))
def _(agent: Agent, outcome: CallOutcome) -> None:
    """Every key and value, and the totals, as before: nothing of the batch was kept."""
    assert fault_calls.snapshot(agent.memory) == outcome.before


@then(_step("every fact an agent was told was kept is there exactly once"))
def _(workload: fault_workload.Workload, isolation: Isolation, fault_place: FaultPlace) -> None:
    """Checked through a fresh memory of the same place, after the agents stopped."""
    workload.stop()
    auditor = isolation.closing(fault_calls.open_agent_memory(fault_place))
    fault_workload.check_facts(workload, auditor)


@then(_step("no counter lost an increment an agent was told was counted"))
def _(workload: fault_workload.Workload, isolation: Isolation, fault_place: FaultPlace) -> None:
    """Each counter is at least its acknowledged increments, at most all attempted ones."""
    workload.stop()
    auditor = isolation.closing(fault_calls.open_agent_memory(fault_place))
    fault_workload.check_counters(workload, auditor)


@then(_step("every one of the {count:d} tasks was completed exactly once"))
def _(tally: fault_queue.Tally, tasks: int, count: int) -> None:
    """Counted apart from the server, only where ``complete()`` returned: none missing, none
    twice; the queue itself counts every task done and nothing left."""
    assert tasks == count
    fault_queue.check_exactly_once(tally, count)


@then(_step("the queue counts every task done and none left waiting"))
def _(fault_place: FaultPlace, tasks: int) -> None:
    """The queue's own counts, read after the agents stopped."""
    fault_queue.check_queue_drained(fault_place, tasks)


@then(_step("the restart came in the middle of the work"))
def _(tally: fault_queue.Tally) -> None:
    """Tasks were completed both before the server stopped and after it answered again
    (what the agents were told is printed: ``pytest -rP`` shows it)."""
    print(f"queue through a restart: {tally.summary()}")
    fault_queue.check_mid_run(tally)


# -- the doctor -----------------------------------------------------------------------------


@given(_step("a server that may fail"))
def _(fault_place: FaultPlace) -> None:
    """A throwaway server of the faults feature's own (never a shared one)."""
    _server(fault_place)


@when(_step("the operator asks the doctor about the server"), target_fixture="doctor")
def _(fault_place: FaultPlace) -> DoctorRun:
    """``agentstore doctor --<backend> URL``, as an operator runs it."""
    return fault_calls.run_doctor(fault_place.backend, fault_place.url)


@then(_step("the doctor warns that the server keeps nothing when it restarts"))
def _(doctor: DoctorRun, fault_place: FaultPlace) -> None:
    """One warning line, naming the server and saying a restart keeps nothing."""
    assert len(doctor.warnings) == 1, doctor.output
    assert "keeps nothing when it restarts" in doctor.warnings[0]
    assert fault_place.url in doctor.warnings[0]


@then(_step("the doctor gives no warning"))
def _(doctor: DoctorRun) -> None:
    """Not one warning line."""
    assert doctor.warnings == [], doctor.output


@then(_step("the doctor's check passes"))
def _(doctor: DoctorRun) -> None:
    """Exit code 0 and an ``ok`` line for the server."""
    assert doctor.exit_code == 0, doctor.output
    assert doctor.ok_lines == 1, doctor.output
