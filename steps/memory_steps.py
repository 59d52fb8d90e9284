"""Steps for agent memory: remembering, recalling, forgetting, expiry, partitions, search."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from agentstore import MemoryStore
from harness.isolation.places import Isolated, Isolation
from steps.parameter_types import TYPES, names
from support.common.exact import assert_exact
from support.memory import agents as memory_agents
from support.memory import bad_inputs as memory_bad_inputs
from support.memory import concurrency as memory_concurrency
from support.memory import recovery as memory_faults
from support.memory.agents import Memories
from support.underneath import keys as memory_inspect


@dataclass(frozen=True)
class Agent:
    """An agent and its memory in the scenario's own place."""

    place: Isolated
    memory: MemoryStore
    scope: str = ""
    timed: dict[str, memory_agents.Timed] = field(default_factory=dict)


@pytest.fixture
def memories(isolation: Isolation) -> Memories:
    """Opens the scenario's memories; its isolation closes them when it ends."""
    return Memories(isolation)


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


# -- Given --------------------------------------------------------------------------------


@given(_step("an agent with a memory"), target_fixture="agent")
def _(isolation: Isolation, memories: Memories, backend: str) -> Agent:
    place = isolation(backend)
    return Agent(place, memories.open(place))


@given(
    _step(
        'an agent whose memory holds "{key}" as {value:Json}'
        ' for {ttl:Duration} in partition "{partition}"'
    ),
    target_fixture="agent",
)
def _(
    isolation: Isolation,
    memories: Memories,
    backend: str,
    key: str,
    value: Any,
    ttl: float,
    partition: str,
) -> Agent:
    place = isolation(backend)
    agent = Agent(place, memories.open(place))
    agent.memory.store(key, value, ttl=ttl, partition=partition)
    return agent


@given(
    _step("two teams with memories of their own on one server"),
    target_fixture="teams",
)
def _(isolation: Isolation, memories: Memories, backend: str) -> dict[str, Agent]:
    place = isolation(backend)
    return {
        team: Agent(place, memories.open(place, scope=f"{team}:"), scope=f"{team}:")
        for team in ("red", "blue")
    }


# -- remembering and forgetting ------------------------------------------------------------


@given(_step('the agent remembers "{key}" as {value:Json}'))
@when(_step('the agent remembers "{key}" as {value:Json}'))
def _(agent: Agent, key: str, value: Any) -> None:
    agent.memory.store(key, value)


@given(_step('the agent remembers "{key}" as {value:Json} for {ttl:Duration}'))
@when(_step('the agent remembers "{key}" as {value:Json} for {ttl:Duration}'))
def _(agent: Agent, key: str, value: Any, ttl: float) -> None:
    agent.timed[key] = memory_agents.remember_for(agent.memory, key, value, ttl)


@given(_step('the agent remembers "{key}" as {value:Json} in partition "{partition}"'))
@when(_step('the agent remembers "{key}" as {value:Json} in partition "{partition}"'))
def _(agent: Agent, key: str, value: Any, partition: str) -> None:
    agent.memory.store(key, value, partition=partition)


@given(_step("the agent remembers the facts {keys:Names}"))
def _(agent: Agent, keys: list[str]) -> None:
    agent.memory.store_many({key: key.rsplit("/", 1)[-1] for key in keys})


@when(_step('the agent remembers "{key}" as a rich value'))
def _(agent: Agent, key: str) -> None:
    agent.memory.store(key, memory_agents.rich_value())


@when(_step('the agent forgets "{key}"'), target_fixture="outcome")
def _(agent: Agent, key: str) -> bool:
    return agent.memory.delete(key)


@when(_step("{wait:Duration} pass"))
def _(wait: float) -> None:
    time.sleep(wait)  # the only sleeps in the memory steps: a TTL running out


# -- recalling ------------------------------------------------------------------------------


@then(_step('the agent recalls "{key}" as {value:Json}'))
def _(agent: Agent, key: str, value: Any) -> None:
    """Same types, same key order, same content (8000 is not 8000.0)."""
    assert agent.memory.exists(key)
    assert_exact(agent.memory.retrieve(key), value, key)


@then(_step('the agent recalls "{key}" as {value:Json} while its time-to-live lasts'))
def _(agent: Agent, key: str, value: Any) -> None:
    """Recalled before the time-to-live ran out; a machine too slow to look in time tries
    again, but a fact gone before its time always fails."""
    assert_exact(memory_agents.recall_in_time(agent.memory, key, agent.timed[key]), value, key)


@then(_step('the agent recalls "{key}" exactly as it was remembered'))
def _(agent: Agent, key: str) -> None:
    """Same types, same key order, same content as the rich value remembered."""
    assert_exact(agent.memory.retrieve(key), memory_agents.rich_value(), key)


@then(_step('the agent no longer recalls "{key}"'))
def _(agent: Agent, key: str) -> None:
    assert agent.memory.retrieve(key, "<nothing>") == "<nothing>"
    assert not agent.memory.exists(key)


@then(_step('the memory confirms "{key}" was forgotten'))
def _(agent: Agent, outcome: bool, key: str) -> None:
    assert outcome is True
    assert agent.memory.retrieve(key, "<nothing>") == "<nothing>"
    assert not agent.memory.exists(key)


@then(_step('forgetting "{key}" again finds nothing to forget'))
def _(agent: Agent, key: str) -> None:
    assert agent.memory.delete(key) is False


# -- time to live ---------------------------------------------------------------------------


@then(_step('the memory reports between {low:g} and {high:g} seconds left for "{key}"'))
def _(agent: Agent, low: float, high: float, key: str) -> None:
    assert low <= agent.memory.ttl(key) <= high


@then(_step('the memory reports no expiry for "{key}"'))
def _(agent: Agent, key: str) -> None:
    assert agent.memory.ttl(key) is None


@then(_step('the expired fact "{key}" is neither recalled, listed, matched nor counted'))
def _(agent: Agent, key: str) -> None:
    memory = agent.memory
    assert memory.retrieve(key) is None and not memory.exists(key)
    assert key not in memory.list_keys() and key not in memory.search(key)
    assert key not in memory.retrieve_many([key])
    with pytest.raises(KeyError):
        memory.ttl(key)
    assert memory.stats().keys == len(memory.list_keys())


@when(_step("the memory is cleaned up {wait:Duration} later"), target_fixture="outcome")
def _(agent: Agent, wait: float) -> int:
    time.sleep(wait)  # the TTL running out
    return agent.memory.cleanup_expired()


@then(_step("the cleanup reports {count:d} removed"))
def _(outcome: int, count: int) -> None:
    assert outcome == count


@then(_step('nothing of "{key}" is left in storage'))
def _(agent: Agent, key: str) -> None:
    assert not memory_inspect.physically_stored(agent.place, key, agent.scope)


# -- partitions, listing, search, stats -----------------------------------------------------


@when(_step('the agent clears partition "{partition}"'), target_fixture="outcome")
def _(agent: Agent, partition: str) -> int:
    return agent.memory.clear_partition(partition)


@then(_step("{count:d} facts were cleared, leaving {keys:Names}"))
def _(agent: Agent, outcome: int, count: int, keys: list[str]) -> None:
    assert outcome == count
    assert agent.memory.list_keys() == keys


@then(_step('partition "{partition}" lists {keys:Names}'))
def _(agent: Agent, partition: str, keys: list[str]) -> None:
    assert agent.memory.list_keys(partition=partition) == keys


@then(_step('the keys starting with "{prefix}" are {keys:Names}'))
def _(agent: Agent, prefix: str, keys: list[str]) -> None:
    assert agent.memory.list_keys(prefix) == keys


@then(_step("every key the agent holds is {keys:Names}"))
def _(agent: Agent, keys: list[str]) -> None:
    assert agent.memory.list_keys() == keys


@then("each pattern finds exactly its keys")
def _(agent: Agent, datatable: list[list[str]]) -> None:
    for pattern, keys in datatable[1:]:
        found = sorted(agent.memory.search(pattern))
        assert found == names(keys), f"pattern {pattern!r} found {found}"


@then(_step("the memory counts {keys:Facts} of {size:d} bytes in partitions {counts:Names}"))
def _(agent: Agent, keys: int, size: int, counts: list[str]) -> None:
    stats = agent.memory.stats()
    partitions = memory_agents.partition_counts(counts)
    assert (stats.keys, stats.bytes, stats.partitions) == (keys, size, partitions)


# -- many agents ----------------------------------------------------------------------------


@when(_step('{agents:d} agents in separate {kind:Kind} each add 1 to "{key}" {times:d} times'))
def _(agent: Agent, agents: int, kind: str, key: str, times: int) -> None:
    memory_concurrency.increment_together(agent.place, key, agents, times, kind)


@when(
    _step('{agents:d} agents in separate {kind:Kind} race to claim "{key}"'),
    target_fixture="outcome",
)
def _(agent: Agent, agents: int, kind: str, key: str) -> int:
    return memory_concurrency.claim_together(agent.place, key, agents, kind)


@then(_step('exactly one agent holds "{key}"'))
def _(agent: Agent, outcome: int, key: str) -> None:
    assert outcome == 1
    assert str(agent.memory.retrieve(key)).startswith("agent-")


@given("the agent has learned these Q-values", target_fixture="learned")
def _(agent: Agent, datatable: list[list[str]]) -> dict[tuple[str, str], float]:
    header, *rows = datatable
    table = [dict(zip(header, row, strict=True)) for row in rows]
    return memory_agents.learn(agent.memory, table)


@when("the agent closes its memory and opens it again", target_fixture="agent")
def _(agent: Agent, memories: Memories) -> Agent:
    memories.close(agent.memory)
    return Agent(agent.place, memories.open(agent.place, agent.scope), agent.scope)


@then("the agent recalls every Q-value it learned")
def _(agent: Agent, learned: dict[tuple[str, str], float]) -> None:
    assert memory_agents.recall_q_values(agent.memory) == learned


@when(_step('team "{team}" remembers "{key}" as {value:Json}'))
def _(teams: dict[str, Agent], team: str, key: str, value: Any) -> None:
    teams[team].memory.store(key, value)


@then(_step('team "{team}" recalls "{key}" as {value:Json}'))
def _(teams: dict[str, Agent], team: str, key: str, value: Any) -> None:
    assert_exact(teams[team].memory.retrieve(key), value, key)


@then(_step('team "{team}" sees no facts at all'))
def _(teams: dict[str, Agent], team: str) -> None:
    memory = teams[team].memory
    assert memory.list_keys() == [] and memory.search("*") == {}
    assert memory.stats().keys == 0 and not memory.exists("aqe/goal")


# -- bad input ------------------------------------------------------------------------------


@when(
    _step("the agent tries to remember {value:Input} under the key {key:Input}"),
    target_fixture="outcome",
)
def _(agent: Agent, value: Any, key: Any) -> memory_bad_inputs.Attempt:
    """Any input, even one the memory must refuse (see the Input kinds in the glossary)."""
    return memory_bad_inputs.attempt(agent.memory, lambda memory: memory.store(key, value))


@when(
    _step(
        "the agent tries to remember {value:Input} under the key {key:Input}"
        " for {ttl:Input} seconds"
    ),
    target_fixture="outcome",
)
def _(agent: Agent, value: Any, key: Any, ttl: Any) -> memory_bad_inputs.Attempt:
    """Any input with any time-to-live, even one the memory must refuse."""
    return memory_bad_inputs.attempt(agent.memory, lambda memory: memory.store(key, value, ttl=ttl))


@then(_step("the memory refuses it as {error}"))
def _(outcome: memory_bad_inputs.Attempt, error: str) -> None:
    assert isinstance(outcome.error, memory_bad_inputs.ERRORS[error]), repr(outcome.error)


@then("the memory is unchanged")
def _(agent: Agent, outcome: memory_bad_inputs.Attempt) -> None:
    assert not outcome.before.differences(memory_bad_inputs.snapshot(agent.memory))


# -- recovery after the server drops connections ------------------------------------------


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
