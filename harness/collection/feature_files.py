"""Collects every ``.feature`` file as a test module of its scenarios.

So a new feature file runs without any Python, and one feature runs on its own:
``pytest features/memory/expiry.feature``. Each file becomes a module whose tests
pytest-bdd's ``scenarios()`` generates, exactly as a hand-written binding module would.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest


class FeatureFile(pytest.Module):
    """A Gherkin file, presented to pytest as a module of scenario tests."""

    def _getobj(self) -> types.ModuleType:
        module = types.ModuleType(f"feature:{self.path.stem}")
        module.__file__ = str(self.path)
        binding = f"from pytest_bdd import scenarios\nscenarios({str(self.path)!r})\n"
        exec(compile(binding, str(self.path), "exec"), module.__dict__)
        return module


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> FeatureFile | None:
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None
