"""Helpers for testing the harness on small throwaway specification projects.

``SpecProject`` builds a project in a temporary folder that uses this repository's harness and
step libraries (the root conftest's ``pytest_plugins``) with feature files of the test's own,
and runs pytest on it in a subprocess, as a person would on the command line.

``HarnessProject`` builds one in pytest's own ``pytester`` folder with the harness only and
step modules of the test's own (``CHECK_STEPS``: domain-free steps that pass or fail as their
words say), so the harness is tested apart from the domain's steps. Its runs stay in this
process unless they start xdist workers.

A plain module, not ``tests/conftest.py``: pytest-alembic 0.13 binds its built-in tests to
``tests/conftest.py`` and fails to collect under pytest 9 when that file exists.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pytest_bdd.feature import features as parsed_features
from pytest_bdd.steps import step_function_context_registry as step_contexts

REPO = Path(__file__).resolve().parents[1]
CHECK_STEPS = '''\
"""Steps for the harness's own tests: each does what its words say."""

from pytest_bdd import parsers, step, then


@step(parsers.parse('the check "{name}" passes'))
def _(name: str) -> None:
    """Passes."""


@step(parsers.parse('the check "{name}" fails'))
def _(name: str) -> None:
    """Fails, naming the check."""
    raise AssertionError(f"the check {name!r} failed")


@then(parsers.parse('the outcome "{name}" is seen'))
def _(name: str) -> None:
    """A Then step only (to use under the wrong keyword)."""


@step(parsers.parse('the check "{name}" fails on {name_of_backend}'))
def _(name: str, name_of_backend: str, backend: str) -> None:
    """Fails on the named backend only (the run's ``backend``)."""
    assert backend != name_of_backend, f"the check {name!r} failed on {backend}"
'''
CATCH_ALL_STEPS = '''\
"""One step that matches every sentence and passes: for Gherkin nobody wrote steps for."""

from pytest_bdd import parsers, step


@step(parsers.re(r"(?s).*"))
def _() -> None:
    """Any sentence at all."""
'''

# Plugins an inner session never uses, left out of its start-up (an inner harness session took
# 3.8 s of CPU cold, 1.1 s with the byte-code cache, 0.6 s without these): hypothesis, faker,
# pytest-alembic and platformdirs register on import. The steps import faker and pytest_alembic
# themselves (as libraries), so a SpecProject still loads those two.
UNUSED_BY_STEPS = "-p no:hypothesispytest -p no:platformdirs"
UNUSED_PLUGINS = f"{UNUSED_BY_STEPS} -p no:pytest_alembic -p no:faker"

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def repo_plugins() -> list[str]:
    """The root conftest's ``pytest_plugins``, read without importing it a second time."""
    tree = ast.parse((REPO / "conftest.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "pytest_plugins":
            return ast.literal_eval(node.value)
    raise AssertionError("the root conftest.py has no pytest_plugins")


def repo_markers() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return config["tool"]["pytest"]["ini_options"]["markers"]


@dataclass
class Run:
    returncode: int
    output: str

    def outcomes(self) -> dict[str, int]:
        """pytest's closing counts: passed, failed, skipped, deselected, error(s)."""
        summaries = [
            line for line in self.output.splitlines() if re.match(r"^=+ .* in [\d.]+s", line)
        ]
        closing = summaries[-1] if summaries else self.output.strip().splitlines()[-1]
        found = re.findall(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed)", closing)
        return {name.rstrip("s") if name == "errors" else name: int(n) for n, name in found}

    def assert_outcomes(self, **expected: int) -> None:
        got = self.outcomes()
        assert got == expected, f"expected {expected}, got {got}\n{self.output[-6000:]}"


class SpecProject:
    """A throwaway specification project: feature files of its own, this repository's steps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        markers = "".join(f"\n    {line}" for line in repo_markers())
        (path / "pytest.ini").write_text(
            "[pytest]\n"
            f"pythonpath = {REPO} .\n"
            "bdd_features_base_dir = features/\n"
            f"addopts = --strict-markers -p no:cacheprovider {UNUSED_BY_STEPS}\n"
            "timeout = 120\n"
            "asyncio_default_fixture_loop_scope = function\n"
            f"markers ={markers}\n"
        )
        (path / "conftest.py").write_text(f"pytest_plugins = {repo_plugins()!r}\n")
        (
            path / "features"
        ).mkdir()  # harness.collection.feature_files collects every .feature in it

    def feature(self, relative: str, text: str) -> Path:
        path = self.path / "features" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args: str, backends: str = "sqlite") -> Run:
        """``pytest features --backends=...`` in the project, in a fresh interpreter."""
        argv = [sys.executable, "-m", "pytest", "features", f"--backends={backends}", *args]
        argv.append(f"--basetemp={self.path / 'basetemp'}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        done = subprocess.run(
            argv, cwd=self.path, env=env, capture_output=True, text=True, timeout=300
        )
        return Run(done.returncode, done.stdout + done.stderr)


# -- reading the HTML we write, without a browser ------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    content: list[Element | str] = field(default_factory=list)

    @property
    def children(self) -> list[Element]:
        return [c for c in self.content if isinstance(c, Element)]

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        return " ".join("".join(self._texts()).split())

    def _texts(self):
        for part in self.content:
            if isinstance(part, str):
                yield part
            else:
                yield from part._texts()

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def select(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        """Descendants with this tag, class and attribute values."""
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].content.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].content.append(data)


def parse_html(text: str) -> Element:
    """A small element tree of ``text``, with ``select(tag, cls, **attrs)`` and ``text``."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def harness_plugins() -> list[str]:
    """The root conftest's plugins that are the harness (no domain, no steps)."""
    return [name for name in repo_plugins() if name.startswith("harness.")]


def starts_workers(args: tuple[str, ...]) -> bool:
    """Whether pytest's arguments ``args`` start pytest-xdist workers (``-n 2``, ``-n2``)."""
    return any(a == "-n" or re.fullmatch(r"-n\S+|--numprocesses(=.*)?", a) for a in args)


@contextlib.contextmanager
def own_steps_only():
    """An in-process run sees its project's ``steps`` package and step definitions alone.

    This process imported the repository's ``steps`` (the root conftest), and pytest-bdd keeps
    every step definition and parsed feature file of the process in module-level registries,
    which the glossary and the missing-step help read; a fresh interpreter has neither. They
    are hidden for the run and put back after it (the run's own are dropped).
    """
    kept_steps, kept_features = dict(step_contexts), dict(parsed_features)
    step_contexts.clear()
    parsed_features.clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name in [n for n in sys.modules if n == "steps" or n.startswith("steps.")]:
                patch.delitem(sys.modules, name)
            yield
    finally:
        step_contexts.clear()
        step_contexts.update(kept_steps)
        parsed_features.clear()
        parsed_features.update(kept_features)


class HarnessProject:
    """A throwaway project in ``pytester``'s folder: the harness, and steps of the test's own.

    Its own ``steps`` package comes first on the path, so the glossary (which lists ``steps``)
    and missing-step hints see only its steps.
    """

    def __init__(
        self, where, steps: dict[str, str] | None = None, strict_markers: bool = True
    ) -> None:
        """``where``: the ``pytester`` fixture, or a folder (for module-scoped projects)."""
        self.pytester = None if isinstance(where, Path) else where
        self.path = where if isinstance(where, Path) else Path(where.path)
        markers = "".join(f"\n    {line}" for line in repo_markers())
        steps = {"check_steps": CHECK_STEPS} if steps is None else steps
        strict = "--strict-markers " if strict_markers else ""
        (self.path / "pytest.ini").write_text(
            "[pytest]\n"
            f"pythonpath = . {REPO}\n"
            "bdd_features_base_dir = features/\n"
            f"addopts = {strict}-p no:cacheprovider -p no:randomly {UNUSED_PLUGINS}\n"
            "timeout = 120\n"
            "asyncio_default_fixture_loop_scope = function\n"
            f"markers ={markers}\n"
        )
        plugins = [*harness_plugins(), *(f"steps.{name}" for name in steps)]
        (self.path / "conftest.py").write_text(f"pytest_plugins = {plugins!r}\n")
        (self.path / "steps").mkdir()
        (self.path / "steps" / "__init__.py").write_text("")
        for name, text in steps.items():
            (self.path / "steps" / f"{name}.py").write_text(text)
        (self.path / "features").mkdir()

    def feature(self, relative: str, text: str) -> Path:
        path = self.path / "features" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, backends: str = "sqlite", paths: tuple[str, ...] = ("features",)):
        """``pytest features --backends=...``: in this process when the project is in
        ``pytester``'s folder and the run starts no xdist workers, else in a fresh interpreter.

        An inner session in a fresh interpreter cost about 1.3 s of CPU, most of it start-up and
        imports this process has already done. In this process it gets ``--timeout=0``: its
        tests then leave alone the outer test's timer (pytest-timeout's one ``SIGALRM``), which
        still bounds the whole run.
        """
        argv = [*paths, f"--backends={backends}", *args]
        if self.pytester is None:
            argv = [sys.executable, "-m", "pytest", *argv, f"--basetemp={self.path / 'basetemp'}"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
            done = subprocess.run(
                argv, cwd=self.path, env=env, capture_output=True, text=True, timeout=300
            )
            return Run(done.returncode, done.stdout + done.stderr)
        with pytest.MonkeyPatch.context() as patch:
            for name in [k for k in os.environ if k.startswith("PYTEST_")]:
                patch.delenv(name)  # an outer xdist worker's variables are not this run's
            if starts_workers(args):
                done = self.pytester.runpytest_subprocess(*argv, timeout=300)
            else:
                with own_steps_only():
                    done = self.pytester.runpytest_inprocess(*argv, "--timeout=0")
        return Run(done.ret, "\n".join([*done.outlines, *done.errlines]))

    def report(self, directory: str = "reports") -> tuple[Element, list[dict]]:
        """The HTML page (parsed) and the Cucumber JSON the run wrote."""
        page = parse_html((self.path / directory / "index.html").read_text(encoding="utf-8"))
        cucumber = json.loads((self.path / directory / "cucumber.json").read_text())
        return page, cucumber
