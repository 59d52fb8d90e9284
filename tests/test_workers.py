"""``-n auto`` starts two workers per core; ``-n N`` starts N."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from harness.collection import workers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in [name for name in os.environ if name.startswith("PYTEST_")]:
        monkeypatch.delenv(name)  # an outer xdist worker's variables are not this run's
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the run and its workers import the harness
    pytester.makepyfile(test_one="def test_one(): pass\n")
    return pytester


def started(project: pytest.Pytester, *args: str) -> int:
    """How many workers the run says it created."""
    done = project.runpytest_subprocess(
        "-p", "harness.collection.workers", "-p", "no:randomly", "-p", "no:cacheprovider", *args
    )
    done.assert_outcomes(passed=1)
    (count,) = re.findall(r"created: (\d+)/\1 workers", done.stdout.str())
    return int(count)


def test_auto_starts_two_workers_per_core(project: pytest.Pytester) -> None:
    assert started(project, "-n", "auto", "-v") == min(2 * workers.cores(), workers.MOST)


def test_a_given_number_is_kept(project: pytest.Pytester) -> None:
    assert started(project, "-n", "3", "-v") == 3
