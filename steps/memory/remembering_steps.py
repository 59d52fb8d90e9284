"""Steps for agent memory: an agent remembering, recalling and forgetting facts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pytest_bdd import given, then, when

from harness.isolation.places import Isolation
from steps.parameter_types import phrase
from support.common.exact import assert_exact
from support.common.expect import expect, expect_that, shown
from support.memory import agents as memory_agents
from support.memory.agents import Agent, Memories


@pytest.fixture
def memories(isolation: Isolation) -> Memories:
    """Opens the scenario's memories; its isolation closes them when it ends."""
    return Memories(isolation)


_step = phrase


# -- Given ----------------------------------------------------------------------------------


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


# -- remembering and forgetting -------------------------------------------------------------


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
    expect_that(agent.memory.exists(key), f"{shown(key)} to exist", "it does not")
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
    memory_agents.expect_forgotten(agent.memory, key)


@then(_step('the memory confirms "{key}" was forgotten'))
def _(agent: Agent, outcome: bool, key: str) -> None:
    expect(outcome, True, f"forgetting {shown(key)} to report it forgotten:")
    memory_agents.expect_forgotten(agent.memory, key)


@then(_step('forgetting "{key}" again finds nothing to forget'))
def _(agent: Agent, key: str) -> None:
    expect(agent.memory.delete(key), False, f"forgetting {shown(key)} again to find nothing:")
