"""Steps for the agents' calls while a server fails, and what the agents were told."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pytest_bdd import then, when

from harness.isolation.places import Isolation
from harness.servers.faults_plugin import FaultPlace
from steps.parameter_types import phrase
from support.common.expect import expect, expect_that, shown
from support.faults import calls as fault_calls
from support.faults import queue as fault_queue
from support.faults import workload as fault_workload
from support.faults.calls import CallOutcome, ThreadedCalls
from support.memory.agents import Agent

_step = phrase


# -- When: the agents' calls ----------------------------------------------------------------


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
    fault_workload.through_restart(workload, fault_calls.server_of(fault_place))


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
    expect(agent.memory.retrieve("aqe/status"), "carrying on", '"aqe/status" recalled as')


@then(_step("the agent recalls all {count:d} facts"))
def _(agent: Agent, acked: dict[str, Any], count: int) -> None:
    """Every acknowledged fact comes back with its value."""
    expect(len(acked), count, "facts acknowledged:")
    expect(agent.memory.retrieve_many(list(acked)), acked, "the facts recalled to be")


@then(_step("the agent recalls none of the {count:d} facts"))
def _(agent: Agent, acked: dict[str, Any], count: int) -> None:
    """Not one of the acknowledged facts survived."""
    expect(len(acked), count, "facts acknowledged:")
    expect(agent.memory.retrieve_many(list(acked)), {}, "the facts recalled to be")


@then(_step("every call fails within {bound:Duration} with one line naming the server"))
def _(calls: ThreadedCalls, fault_place: FaultPlace, bound: float) -> None:
    """Each call ends in time with a ``BackendUnavailable`` naming the backend and address."""
    calls.join(bound)
    waiting = calls.still_running()
    expect_that(
        not waiting, f"every call ended within {shown(bound)} seconds", f"{waiting} waiting"
    )
    expect(len(calls.outcomes), len(calls.threads), "an outcome for each call:")
    for outcome in calls.outcomes:
        fault_calls.assert_clear_failure(outcome, fault_place.backend, fault_place.url, bound)


@then(_step("no thread of the agent is left blocked"))
def _(calls: ThreadedCalls) -> None:
    """No thread started since the calls began is still alive (checked while still stalled)."""
    left = fault_calls.threads_started_since(calls.before)
    expect_that(not left, "no thread left behind", f"{len(left)} left: {shown(left)}")


@then(
    _step(
        "the write is refused after at least {least:Duration}"
        " and within {most:Duration}, in one line"
    )
)
def _(outcome: CallOutcome, fault_place: FaultPlace, least: float, most: float) -> None:
    """Refused with ``BackendUnavailable`` after waiting out the busy timeout, within a bound."""
    fault_calls.assert_clear_failure(outcome, fault_place.backend, fault_place.url, most)
    expect_that(
        outcome.seconds >= least - 0.05,
        f"a refusal after at least {shown(least)} seconds",
        f"one after {shown(outcome.seconds)}",
    )


@then(_step("the agent's memory is exactly as it was before the write"))
def _(agent: Agent, outcome: CallOutcome) -> None:
    """Every key and value, and the totals, as before: nothing of the batch was kept."""
    expect(fault_calls.snapshot(agent.memory), outcome.before, "the memory as before:")


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
