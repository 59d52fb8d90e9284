"""Steps for facts that expire: time left, expiry, cleanup."""

from __future__ import annotations

import time

from pytest_bdd import then, when

from steps.parameter_types import phrase
from support.common.expect import expect, expect_between, expect_that, shown
from support.memory import agents as memory_agents
from support.memory.agents import Agent
from support.underneath import keys as memory_inspect

_step = phrase


@then(_step('the memory reports between {low:g} and {high:g} seconds left for "{key}"'))
def _(agent: Agent, low: float, high: float, key: str) -> None:
    expect_between(agent.memory.ttl(key), low, high, f"seconds left for {shown(key)}")


@then(_step('the memory reports no expiry for "{key}"'))
def _(agent: Agent, key: str) -> None:
    expect(agent.memory.ttl(key), None, f"no expiry for {shown(key)}, that is")


@then(_step('the expired fact "{key}" is neither recalled, listed, matched nor counted'))
def _(agent: Agent, key: str) -> None:
    memory_agents.expect_forgotten(agent.memory, key, expired=True)


@when(_step("the memory is cleaned up {wait:Duration} later"), target_fixture="outcome")
def _(agent: Agent, wait: float) -> int:
    time.sleep(wait)  # the TTL running out
    return agent.memory.cleanup_expired()


@then(_step("the cleanup reports {count:d} removed"))
def _(outcome: int, count: int) -> None:
    expect(outcome, count, "the cleanup to report removed:")


@then(_step('nothing of "{key}" is left in storage'))
def _(agent: Agent, key: str) -> None:
    stored = memory_inspect.physically_stored(agent.place, key, agent.scope)
    expect_that(not stored, f"nothing of {shown(key)} left in storage", f"{stored!r} still stored")
