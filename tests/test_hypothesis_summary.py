"""Hypothesis's summary is left out only where it has nothing to say (harness.hypothesis_summary).

Each run is a process of its own: this one has imported Hypothesis already.
"""

from __future__ import annotations

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RECORDER = """
import sys

def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        print("hypothesis imported:", "hypothesis" in sys.modules)
"""

FAILING_PROPERTY = """
from hypothesis import given, strategies as st

@given(st.integers())
def test_every_integer_is_small(n):
    assert n < 10
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


def test_a_controller_whose_worker_ran_a_hypothesis_test_keeps_its_summary(project) -> None:
    """The Hypothesis test runs in an xdist worker; the controller never imports Hypothesis
    itself, but the test's report carries Hypothesis's data, so its summary still runs there
    (and imports Hypothesis)."""
    project.makepyfile(test_property=FAILING_PROPERTY)
    done = run(project, "-n", "1")
    done.assert_outcomes(failed=1)
    done.stdout.fnmatch_lines(["hypothesis imported: True"])


def test_statistics_asked_for_are_shown(project) -> None:
    project.makepyfile(test_plain="def test_one(): assert 1 + 1 == 2")
    done = run(project, "--hypothesis-show-statistics")
    done.stdout.fnmatch_lines(["*Hypothesis Statistics*", "hypothesis imported: True"])
