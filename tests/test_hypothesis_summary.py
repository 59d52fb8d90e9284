"""Hypothesis's summary is left out only where it has nothing to say (harness.hypothesis_summary).

Each run is a process of its own: this one has imported Hypothesis already.
"""

from __future__ import annotations

import os

import pytest
from _hypothesis_pytestplugin import FAILING_EXAMPLES_KEY

from harness import hypothesis_summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RECORDER = """
import sys

def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        print("hypothesis imported:", "hypothesis" in sys.modules)
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(RECORDER)
    return pytester


def run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess(
        "-p", "harness.hypothesis_summary", "-p", "no:cacheprovider", "-p", "no:randomly", *args
    )


def test_a_session_that_ran_no_hypothesis_test_never_imports_hypothesis(project) -> None:
    project.makepyfile(test_plain="def test_one(): assert 1 + 1 == 2")
    done = run(project)
    done.assert_outcomes(passed=1)
    done.stdout.fnmatch_lines(["hypothesis imported: False"])


PASSING_PROPERTY = """
from hypothesis import given, strategies as st

@given(st.integers())
def test_adding_zero_changes_nothing(n):
    assert n + 0 == n
"""


def test_a_controller_whose_workers_ran_hypothesis_tests_does_not_import_it(project) -> None:
    project.makepyfile(test_property=PASSING_PROPERTY)
    done = run(project, "-n", "1")
    done.assert_outcomes(passed=1)
    done.stdout.fnmatch_lines(["hypothesis imported: False"])


def test_a_report_holding_a_failing_example_keeps_the_summary() -> None:
    """The summary writes a failing example a worker found as a patch (with libcst, which this
    project does not install, so the report is made here)."""
    failing = pytest.TestReport("t.py::test", ("t.py", 1, "test"), {}, "failed", None, "call", [])
    passing = pytest.TestReport("t.py::other", ("t.py", 2, "other"), {}, "passed", None, "call", [])
    assert not hypothesis_summary.carries_failing_example(
        {"passed": [passing], "failed": [failing]}
    )
    failing.__dict__[FAILING_EXAMPLES_KEY] = "[]"  # the key Hypothesis's plugin writes
    assert hypothesis_summary.carries_failing_example({"passed": [passing], "failed": [failing]})


def test_statistics_asked_for_are_shown(project) -> None:
    project.makepyfile(test_plain="def test_one(): assert 1 + 1 == 2")
    done = run(project, "--hypothesis-show-statistics")
    done.stdout.fnmatch_lines(["*Hypothesis Statistics*", "hypothesis imported: True"])
