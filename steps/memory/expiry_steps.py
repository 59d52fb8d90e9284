"""Steps for facts that expire: time left, expiry, cleanup."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pytest_bdd import parsers, then, when

from steps.parameter_types import TYPES
from support.memory.agents import Agent
from support.underneath import keys as memory_inspect


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


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
