"""Steps for a memory whose server drops every connection: calls carry on."""

from __future__ import annotations

from pytest_bdd import given, then, when

from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.memory import recovery as memory_faults
from support.memory.agents import Agent, Memories

_step = phrase


@given(_step("an agent whose memory holds {count:d} open connections"), target_fixture="agent")
def _(isolation: Isolation, memories: Memories, backend: str, count: int) -> Agent:
    """A memory that has had to open that many connections (as after a busy spell)."""
    place = isolation(backend)
    memory = memories.open(place)
    memory_faults.open_connections(memory, count)
    return Agent(place, memory)


@when("the server drops every connection of the memory")
def _(agent: Agent) -> None:
    """As a restart or failover would: the server ends the memory's sessions (only its own)."""
    assert memory_faults.drop_connections(agent.place.backend, agent.place.url, agent.memory) > 0


@when(_step('the agent adds {by:d} to "{key}" {times:d} times'))
def _(agent: Agent, by: int, key: str, times: int) -> None:
    """One increment after another, each waiting for the one before."""
    for _ in range(times):
        agent.memory.increment(key, by)


@then(_step("the next {rounds:d} rounds of every kind of call succeed"))
def _(agent: Agent, rounds: int) -> None:
    """Store, recall, count, compare-and-set, batch, list and check, each answering right."""
    memory_faults.every_kind_of_call(agent.memory, rounds)
