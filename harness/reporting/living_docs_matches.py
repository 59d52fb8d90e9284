"""What Cucumber Messages need of a step run beyond its status: when it started, and which step
definition ran it.

Runs where the scenario runs (a worker, or the only process): it adds ``at`` (wall-clock start,
seconds since the epoch) and ``definition`` (``definition_key``) to the step's record, which
``living_docs`` ships to the controller with the rest of the scenario's payload.
"""

from __future__ import annotations

import inspect
import time

import pytest
from pytest_bdd.parser import Feature, Scenario, Step
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from harness.reporting.living_docs import _index, _steps


def definition_key(context: StepFunctionContext) -> str:
    """The same text for one step definition in every process of a run."""
    func = inspect.unwrap(context.step_func)
    line = getattr(getattr(func, "__code__", None), "co_firstlineno", 0)
    return f"{func.__module__}:{line}:{context.type or 'step'}:{context.parser.name}"


def context_of(step_func, step: Step) -> StepFunctionContext | None:
    """The step definition pytest-bdd chose: its function, a parser that reads this step."""
    for context in list(step_function_context_registry.values()):
        if (
            context.step_func is step_func
            and context.type in (None, step.type)
            and context.parser.is_matching(step.name)
        ):
            return context
    return None


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_step(
    request: pytest.FixtureRequest, feature: Feature, scenario: Scenario, step: Step, step_func
) -> None:
    record = _steps(request).setdefault(_index(scenario, step), {})
    record["at"] = time.time()
    context = context_of(step_func, step)
    if context is not None:
        record["definition"] = definition_key(context)


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    _steps(request).setdefault(_index(scenario, step), {})["at"] = time.time()
