"""Long tests run first, longest first, in an order the seed reproduces; a plain -n steals work
(worksteal)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TESTS = """
import pytest

def test_a(): pass

@pytest.mark.slow
def test_b(): pass

def test_c(): pass

@pytest.mark.slow
def test_d(): pass

def test_e(): pass
"""
PLUGIN = ("-p", "harness.collection.slow_first", "-p", "no:cacheprovider")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nmarkers =\n    slow: takes long\n"
    )
    pytester.makepyfile(test_order=TESTS)
    return pytester


def order(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The test names in the order the run would run them."""
    done = pytester.runpytest_inprocess(*PLUGIN, "--collect-only", "-q", *args)
    return re.findall(r"^test_order\.py::(test_\w+)$", "\n".join(done.outlines), re.M)


def test_slow_tests_come_first_in_the_order_they_were_written(project) -> None:
    assert order(project, "-p", "no:randomly") == ["test_b", "test_d", "test_a", "test_c", "test_e"]


def test_a_test_the_durations_file_says_is_long_comes_first_too_longest_first(project) -> None:
    durations = {
        "test_order.py::test_e": 12.5,
        "test_order.py::test_d": 30.0,
        "test_order.py::test_a": 0.2,
    }
    (project.path / ".test_durations").write_text(json.dumps(durations))
    assert order(project, "-p", "no:randomly") == ["test_d", "test_e", "test_b", "test_a", "test_c"]


@pytest.mark.parametrize("text", ["not json {", '["a list"]', '{"test_order.py::test_e": "long"}'])
def test_a_durations_file_that_makes_no_sense_is_ignored(project, text: str) -> None:
    (project.path / ".test_durations").write_text(text)
    assert order(project, "-p", "no:randomly") == ["test_b", "test_d", "test_a", "test_c", "test_e"]


def test_under_pytest_randomly_the_seed_gives_the_order_and_slow_ones_still_lead(project) -> None:
    seen = {tuple(order(project, "-p", "randomly", f"--randomly-seed={seed}")) for seed in range(8)}
    assert all(set(names[:2]) == {"test_b", "test_d"} for names in seen), seen
    assert len(seen) > 1, "pytest-randomly still shuffles the tests"
    again = order(project, "-p", "randomly", "--randomly-seed=3")
    assert again == order(project, "-p", "randomly", "--randomly-seed=3")


def dist(pytester: pytest.Pytester, *args: str) -> str:
    """The distribution mode a run given ``args`` would use: every plugin's
    ``pytest_cmdline_main`` in the order a run calls them (the plugin's wrapper, then xdist's,
    which turns a plain ``-n`` into "load"), all but pytest's own, which would start the run."""
    config = pytester.parseconfig(*PLUGIN, "-p", "no:randomly", *args)
    manager = config.pluginmanager
    main = manager.get_plugin("main")  # pytest's own: it would start the run
    assert main is not None
    options = manager.subset_hook_caller("pytest_cmdline_main", [main])
    options(config=config)
    return str(config.option.dist)


@pytest.mark.parametrize(
    ("given", "mode"),
    [((), "worksteal"), (("--dist", "load"), "load"), (("-d", "--tx", "popen"), "load")],
)
def test_a_plain_minus_n_steals_work_and_a_given_dist_is_kept(
    project, given: tuple[str, ...], mode: str
) -> None:
    assert dist(project, "-n", "2", *given) == mode


def test_without_minus_n_nothing_is_distributed(project) -> None:
    assert dist(project) == "no"


MANY = "\n".join(f"def test_{n:02d}(): pass" for n in range(12))


@pytest.fixture
def many(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Twelve tests, run in processes of their own (xdist) that import the harness."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_many=MANY)
    return pytester


def test_under_minus_n_the_longest_test_starts_first(many) -> None:
    """Four long tests among twelve, two workers: one worker's run starts with the longest."""
    seconds = {"test_03": 10.0, "test_07": 20.0, "test_08": 30.0, "test_11": 40.0}
    durations = {f"test_many.py::{name}": value for name, value in seconds.items()}
    (many.path / ".test_durations").write_text(json.dumps(durations))
    done = many.runpytest_subprocess(*PLUGIN, "-p", "no:randomly", "-n", "2", "-v")
    done.assert_outcomes(passed=12)
    first = {}  # worker -> the first test it ran
    for worker, name in re.findall(
        r"^\[(gw\d)\] .*PASSED test_many\.py::(test_\d+)", done.stdout.str(), re.M
    ):
        first.setdefault(worker, name)
    assert "test_11" in first.values(), done.stdout.str()
