"""Long tests first, longest first; under ``-n`` each worker starts with its share of them.

A run under ``-n`` ends with its last test: a 50 s test begun near the end keeps one worker
busy while the others idle. Tests marked ``slow``, and those pytest-split's ``.test_durations``
says took ``LONG`` seconds or more, move to the front, the longest first (a ``slow`` test
recorded under ``LONG`` seconds, or not at all, counts as ``LONG``); tests of equal time, and
all the others, keep the order they were in: pytest-randomly's shuffle (the same
``--randomly-seed`` gives the same order), or the files' order under ``-p no:randomly``. Every
xdist worker sorts the same collection the same way. Under ``-n`` without ``--dist`` the
distribution is ``worksteal``, which hands each worker an equal run of consecutive tests and
lets a worker that runs dry take the other's tail; the long tests are dealt out so that each
run starts with its share of them (the longest to the first run, the next to the second, ...),
instead of all in the first run, where they waited for each other while the other workers ran
short tests. The order is made on the final list of tests, after every plugin's selection
(``--splits``, ``--lf``, ``-k``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

LONG = 5.0  # seconds: a test this long or longer starts early
DIST = "slow_first_dist"  # the controller's distribution mode, as its workers are told it


def known_durations(config: pytest.Config) -> dict[str, float]:
    """``.test_durations`` (or pytest-split's ``--durations-path``) as node id -> seconds.

    A file that is missing, unreadable or not such a mapping counts as empty, and entries that
    are not finite numbers are left out: the order is a speed-up, never a reason to fail.
    """
    path = Path(config.rootpath, config.getoption("durations_path", None) or ".test_durations")
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {
        str(node): float(seconds)
        for node, seconds in found.items()
        if isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and math.isfinite(seconds)
    }


def expected_seconds(item: pytest.Item, durations: dict[str, float]) -> float | None:
    """How long ``item`` should take if it is long, else None."""
    seconds = durations.get(item.nodeid, 0.0)
    if seconds >= LONG:
        return seconds
    return LONG if item.get_closest_marker("slow") is not None else None


def worksteal_runs(total: int, workers: int) -> list[int]:
    """How many consecutive tests pytest-xdist's ``worksteal`` first hands each worker:
    ``total // workers`` to the first, then an equal share of the rest to each next one."""
    runs = []
    for given in range(workers):
        runs.append((total - sum(runs)) // (workers - given))
    return runs


def dealt(long: list[pytest.Item], short: list[pytest.Item], runs: list[int]) -> list[pytest.Item]:
    """The tests in runs of the given lengths, each run starting with its share of ``long``
    (dealt round-robin, longest first, to the runs not yet full), then filled with ``short``
    in its order."""
    if sum(runs) != len(long) + len(short):
        return long + short
    hands: list[list[pytest.Item]] = [[] for _ in runs]
    turns = itertools.cycle(range(len(runs)))
    for item in long:
        hands[next(i for i in turns if len(hands[i]) < runs[i])].append(item)
    rest = iter(short)
    ordered: list[pytest.Item] = []
    for hand, length in zip(hands, runs, strict=True):
        ordered += hand
        ordered += itertools.islice(rest, length - len(hand))
    return ordered


def xdist_workers(config: pytest.Config) -> int:
    """How many workers share this run, when this process is a worker of a ``worksteal``
    run (a worker reads the command line again, not the controller's choice); else 0."""
    given = getattr(config, "workerinput", None)
    if given is None or given.get(DIST) != "worksteal":
        return 0
    return int(given.get("workercount", 0))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's, in the controller, for each worker
def pytest_configure_node(node: Any) -> None:
    node.workerinput[DIST] = node.config.getoption("dist", "no")


# On the final list: after every plugin's selection (pytest-split's --splits, --lf, -k, -m
# deselect in pytest_collection_modifyitems, some after ours would run there), and before an
# xdist worker sends its collection to the controller (its own pytest_collection_finish).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    items = session.items
    durations = known_durations(session.config)
    seconds = {item.nodeid: expected_seconds(item, durations) for item in items}
    long = sorted(
        (item for item in items if seconds[item.nodeid] is not None),
        key=lambda item: -(seconds[item.nodeid] or 0.0),
    )  # stable: equal times keep their order
    short = [item for item in items if seconds[item.nodeid] is None]
    workers = xdist_workers(session.config)
    if workers > 1 and len(items) >= workers:
        items[:] = dealt(long, short, worksteal_runs(len(items), workers))
    else:
        items[:] = long + short


@pytest.hookimpl(wrapper=True)  # before every plugin's, so before xdist makes a plain -n "load"
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    workers = config.getoption("numprocesses", None)
    given = config.getoption("dist", "no") != "no" or config.getoption("distload", False)
    if workers and not given:
        config.option.dist = "worksteal"
    return (yield)
