"""Long tests run first, longest first, in an order the seed reproduces; a plain -n steals work
(worksteal), and each worker starts with its share of the long tests."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from harness.collection import slow_first

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


@pytest.mark.parametrize(
    ("total", "workers", "runs"),
    [
        (10, 3, [3, 3, 4]),
        (7, 2, [3, 4]),
        (1416, 4, [354] * 4),
        (3, 3, [1, 1, 1]),
        (5, 4, [1, 1, 1, 2]),
    ],
)
def test_the_runs_are_those_worksteal_hands_out_first(total, workers, runs) -> None:
    """pytest-xdist 3.8's worksteal: len // workers to the first, then an equal share of the
    rest to each next one (the end-to-end test below checks it against xdist itself)."""
    assert slow_first.worksteal_runs(total, workers) == runs


def test_dealing_keeps_every_test_once_and_starts_each_run_with_a_long_one() -> None:
    for total in range(1, 13):
        for workers in range(1, 5):
            for longs in range(total + 1):
                long = [f"L{n}" for n in range(longs)]  # longest first
                short = [f"s{n}" for n in range(total - longs)]
                runs = slow_first.worksteal_runs(total, workers)
                order = slow_first.dealt(long, short, runs)  # type: ignore[arg-type]
                assert sorted(order) == sorted(long + short), (total, workers, longs)
                starts = [sum(runs[:n]) for n in range(workers) if runs[n]]
                if longs >= len(starts):
                    assert all(order[at].startswith("L") for at in starts), (total, workers, order)
                for at, length in zip(starts, [r for r in runs if r], strict=True):
                    kinds = [t[0] for t in order[at : at + length]]
                    assert kinds == sorted(kinds), (total, workers, order)  # "L" before "s"


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


def test_under_minus_n_each_worker_starts_with_one_of_the_longest_tests(many) -> None:
    """Four long tests among twelve, two workers: pytest-xdist's worksteal hands each worker
    six consecutive tests; each run starts with two of the long ones, the longest in one, the
    second longest in the other (before, all four began the first run)."""
    seconds = {"test_03": 40.0, "test_07": 30.0, "test_08": 20.0, "test_11": 10.0}
    durations = {f"test_many.py::{name}": value for name, value in seconds.items()}
    (many.path / ".test_durations").write_text(json.dumps(durations))
    done = many.runpytest_subprocess(*PLUGIN, "-p", "no:randomly", "-n", "2", "-v")
    done.assert_outcomes(passed=12)
    first = {}  # worker -> the first test it ran
    for worker, name in re.findall(
        r"^\[(gw\d)\] .*PASSED test_many\.py::(test_\d+)", done.stdout.str(), re.M
    ):
        first.setdefault(worker, name)
    # Which worker is handed the first run depends on the order the workers became ready.
    assert sorted(first.values()) == ["test_03", "test_07"], done.stdout.str()


def test_a_selection_with_more_long_tests_than_the_first_run_holds_runs_whole(many) -> None:
    """Three long tests selected for two workers: the first run holds one test only."""
    durations = {f"test_many.py::test_{n:02d}": 10.0 + n for n in range(12)}
    (many.path / ".test_durations").write_text(json.dumps(durations))
    chosen = "test_03 or test_07 or test_08"
    done = many.runpytest_subprocess(*PLUGIN, "-p", "no:randomly", "-n", "2", "-k", chosen)
    done.assert_outcomes(passed=3)
