"""pytest-bdd finds a step's definitions once per feature file, not once per step it runs.

For every step of every scenario, pytest-bdd 9 walks every fixture the run knows (about 400
here, 337 of them step definitions), asks pytest which are visible to the test and matches
the step's text against each: 12-14 % of the CPU of a specification run (py-spy). What it
finds depends only on the step's keyword and text and on which definitions the test sees;
step definitions are registered once, when plugins and conftests load, so every test of one
feature file sees the same ones. The answer is kept per (feature file, keyword, text) for the
run. Only the lookup is kept: pytest-bdd still injects and resolves each step as before.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

#: pytest-bdd's module of that name (the package exports its ``scenario`` function as well).
bdd_scenario = importlib.import_module("pytest_bdd.scenario")


def pytest_configure(config: pytest.Config) -> None:
    current = getattr(bdd_scenario, "find_fixturedefs_for_step", None)
    if current is None:  # another pytest-bdd: its own lookup, unchanged (only slower)
        return
    found = getattr(current, "__wrapped__", current)  # a session inside a session: pytest-bdd's
    kept: dict[tuple[str, str | None, str], tuple[Any, ...]] = {}  # this session's answers

    def once_per_file(step: Any, fixturemanager: Any, node: Any) -> Iterator[Any]:
        key = (node.parent.nodeid if node.parent else node.nodeid, step.type, step.name)
        if key not in kept:
            kept[key] = tuple(found(step=step, fixturemanager=fixturemanager, node=node))
        return iter(kept[key])

    once_per_file.__wrapped__ = found  # type: ignore[attr-defined]
    patch = pytest.MonkeyPatch()
    patch.setattr(bdd_scenario, "find_fixturedefs_for_step", once_per_file)
    config.add_cleanup(patch.undo)
