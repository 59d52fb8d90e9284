"""Long tests first, longest first; under ``-n`` a worker that runs dry takes work from another.

A run under ``-n`` ends with its last test: a 50 s test begun near the end keeps one worker
busy while the others idle. Tests marked ``slow``, and those pytest-split's ``.test_durations``
says took ``LONG`` seconds or more, move to the front, the longest first (a ``slow`` test
recorded under ``LONG`` seconds, or not at all, counts as ``LONG``); tests of equal time, and
all the others, keep the order they were in: pytest-randomly's shuffle (the same
``--randomly-seed`` gives the same order), or the files' order under ``-p no:randomly``. Every
xdist worker sorts the same collection the same way, on the final list of tests, after every
plugin's selection (``--splits``, ``--lf``, ``-k``). Under ``-n`` without ``--dist`` the
distribution is ``worksteal``: each worker starts with an equal run of consecutive tests (the
first worker's with the long ones, which it runs one after another, the longest first) and a
worker that runs dry takes the other's tail. The long ones are not spread over the workers on
purpose: started together at the busiest moment of a run, the kill loops slowed each other
until one passed pytest-timeout's 120 s (a fresh-clone CI here).
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator
from pathlib import Path

import pytest

LONG = 5.0  # seconds: a test this long or longer starts early


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


# On the final list: after every plugin's selection (pytest-split's --splits, --lf, -k, -m
# deselect in pytest_collection_modifyitems, some after this plugin's hooks there), and before an
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
    items[:] = long + short


@pytest.hookimpl(wrapper=True)  # before every plugin's, so before xdist makes a plain -n "load"
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    workers = config.getoption("numprocesses", None)
    given = config.getoption("dist", "no") != "no" or config.getoption("distload", False)
    if workers and not given:
        config.option.dist = "worksteal"
    return (yield)
