"""Steps for many agents on one memory: concurrent updates, reopening, teams."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, then, when

from steps.parameter_types import phrase
from support.common.exact import assert_exact
from support.common.expect import expect, expect_that, shown
from support.memory import agents as memory_agents
from support.memory import concurrency as memory_concurrency
from support.memory.agents import Agent, Memories

_step = phrase


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
    expect(outcome, 1, "the number of agents who got the claim to be")
    holder = agent.memory.retrieve(key)
    expect_that(str(holder).startswith("agent-"), f"an agent to hold {shown(key)}", shown(holder))


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
    recalled = memory_agents.recall_q_values(agent.memory)
    expect_that(recalled == learned, f"the Q-values learned {learned}", f"{recalled}")


@when(_step('team "{team}" remembers "{key}" as {value:Json}'))
def _(teams: dict[str, Agent], team: str, key: str, value: Any) -> None:
    teams[team].memory.store(key, value)


@then(_step('team "{team}" recalls "{key}" as {value:Json}'))
def _(teams: dict[str, Agent], team: str, key: str, value: Any) -> None:
    assert_exact(teams[team].memory.retrieve(key), value, key)


@then(_step('team "{team}" sees no facts at all'))
def _(teams: dict[str, Agent], team: str) -> None:
    memory = teams[team].memory
    expect(memory.list_keys(), [], f"team {shown(team)} to list")
    expect(list(memory.search("*")), [], f"team {shown(team)} to match")
    expect(memory.stats().keys, 0, f"team {shown(team)} to count facts:")
    expect(memory.exists("aqe/goal"), False, f'team {shown(team)} to find "aqe/goal":')
