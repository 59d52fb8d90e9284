"""Steps for input an agent's memory must refuse, leaving it unchanged."""

from __future__ import annotations

from typing import Any

from pytest_bdd import then, when

from steps.parameter_types import one_of, phrase
from support.common.expect import expect_that
from support.memory import bad_inputs as memory_bad_inputs
from support.memory.agents import Agent

REFUSAL = one_of(memory_bad_inputs.ERRORS, "the kind of refusal")


def _step(text: str) -> Any:
    return phrase(text, Refusal=REFUSAL)


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


@then(_step("the memory refuses it as {error:Refusal}"))
def _(outcome: memory_bad_inputs.Attempt, error: str) -> None:
    found = (
        "no refusal"
        if outcome.error is None
        else f"{type(outcome.error).__name__}: {outcome.error}"
    )
    expect_that(
        isinstance(outcome.error, memory_bad_inputs.ERRORS[error]), f"a refusal as {error}", found
    )


@then("the memory is unchanged")
def _(agent: Agent, outcome: memory_bad_inputs.Attempt) -> None:
    changed = outcome.before.differences(memory_bad_inputs.snapshot(agent.memory))
    expect_that(not changed, "the memory unchanged", f"these changes: {changed}")
