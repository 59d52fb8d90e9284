"""Steps for finding facts: partitions, listing, pattern search and stats."""

from __future__ import annotations

from pytest_bdd import then, when

from steps.parameter_types import names, phrase
from support.common.expect import expect, shown
from support.memory import agents as memory_agents
from support.memory.agents import Agent

_step = phrase


@when(_step('the agent clears partition "{partition}"'), target_fixture="outcome")
def _(agent: Agent, partition: str) -> int:
    return agent.memory.clear_partition(partition)


@then(_step("{count:d} facts were cleared, leaving {keys:Names}"))
def _(agent: Agent, outcome: int, count: int, keys: list[str]) -> None:
    expect(outcome, count, "the number of facts cleared to be")
    expect(agent.memory.list_keys(), keys, "the facts left to be")


@then(_step('partition "{partition}" lists {keys:Names}'))
def _(agent: Agent, partition: str, keys: list[str]) -> None:
    expect(
        agent.memory.list_keys(partition=partition), keys, f"partition {shown(partition)} to list"
    )


@then(_step('the keys starting with "{prefix}" are {keys:Names}'))
def _(agent: Agent, prefix: str, keys: list[str]) -> None:
    expect(agent.memory.list_keys(prefix), keys, f"the keys starting with {shown(prefix)} to be")


@then(_step("every key the agent holds is {keys:Names}"))
def _(agent: Agent, keys: list[str]) -> None:
    expect(agent.memory.list_keys(), keys, "the agent's keys to be")


@then("each pattern finds exactly its keys")
def _(agent: Agent, datatable: list[list[str]]) -> None:
    for pattern, keys in datatable[1:]:
        found = sorted(agent.memory.search(pattern))
        expect(found, names(keys), f"the pattern {shown(pattern)} to find")


@then(_step("the memory counts {keys:Facts} of {size:d} bytes in partitions {counts:Names}"))
def _(agent: Agent, keys: int, size: int, counts: list[str]) -> None:
    stats = agent.memory.stats()
    partitions = memory_agents.partition_counts(counts)
    expect(stats.keys, keys, "the number of facts to be")
    expect(stats.bytes, size, "their size in bytes to be")
    expect(stats.partitions, partitions, "the facts per partition to be")
