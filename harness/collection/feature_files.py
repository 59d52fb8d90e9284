"""Collects every ``.feature`` file as a test module of its scenarios.

So a new feature file runs without any Python, and one feature runs on its own:
``pytest features/memory/expiry.feature``. Each file becomes a module whose tests
pytest-bdd's ``scenarios()`` generates, exactly as a hand-written binding module would.

A file pytest-bdd cannot read is one collection error saying where and why (not a traceback
through the binding); a file without scenarios is an empty module, as Gherkin allows.
"""

from __future__ import annotations

import linecache
import os
import types
from pathlib import Path

import pytest
from pytest_bdd.exceptions import GherkinParseError, NoScenariosFound


def features_dir(config: pytest.Config) -> Path:
    """The folder the feature files live in (``bdd_features_base_dir``, default features/)."""
    return Path(config.rootpath, config.getini("bdd_features_base_dir") or "features")


def feature_uri(filename: str | os.PathLike, root: Path) -> str:
    """A feature file's path as a person types it: relative to the root, with its folders.

    ``features/team_a/memory/recall.feature`` and ``features/team_b/memory/recall.feature``
    stay two files (pytest-bdd's own ``rel_filename`` keeps only the last folder).
    """
    path = Path(os.path.abspath(filename))
    root = Path(os.path.abspath(root))
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def read_error(error: Exception, uri: str) -> str:
    """One line: where pytest-bdd stopped reading the file ``uri`` and why."""
    if isinstance(error, GherkinParseError):
        return f"{uri}:{error.line}: {error.message} (line: {error.line_content.strip()!r})"
    return f"{uri}: pytest-bdd cannot read this file: {type(error).__name__}: {error}"


class FeatureFile(pytest.Module):
    """A Gherkin file, presented to pytest as a module of scenario tests."""

    def _getobj(self) -> types.ModuleType:
        module = types.ModuleType(f"feature:{self.path.stem}")
        module.__file__ = str(self.path)
        # The binding gets a name of its own, its source in linecache: a traceback through it
        # shows this line, not whatever line of the feature file has the same number.
        name = f"<pytest-bdd binding of {self.path}>"
        binding = f"from pytest_bdd import scenarios\nscenarios({str(self.path)!r})\n"
        linecache.cache[name] = (len(binding), None, binding.splitlines(True), name)
        try:
            exec(compile(binding, name, "exec"), module.__dict__)
        except NoScenariosFound:
            pass  # a feature without scenarios yet: nothing to run, nothing wrong
        except Exception as error:  # pytest-bdd's parser fails in many ways (KeyError included)
            uri = feature_uri(self.path, self.config.rootpath)
            raise self.CollectError(read_error(error, uri)) from error
        return module


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> FeatureFile | None:
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None
