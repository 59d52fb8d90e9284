"""Long tests first; under ``-n`` a worker that runs dry takes work from the other.

A run under ``-n`` ends with its last test: a 50 s test begun near the end keeps one worker
busy while the other idles. Tests marked ``slow``, and those pytest-split's ``.test_durations``
says took ``LONG`` seconds or more, move to the front in the order they were in: pytest-randomly's
shuffle (the same ``--randomly-seed`` gives the same order), or the files' order under
``-p no:randomly``. Every xdist worker sorts the same collection the same way. Under ``-n``
without ``--dist`` the distribution is ``worksteal``: each worker starts with half the tests
(one with the long ones, which it runs first) and a worker that runs dry takes the other's tail.
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


def is_long(item: pytest.Item, durations: dict[str, float]) -> bool:
    return item.get_closest_marker("slow") is not None or durations.get(item.nodeid, 0) >= LONG


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle, markers and deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    durations = known_durations(config)
    items.sort(key=lambda item: not is_long(item, durations))  # stable: long ones, then the rest


@pytest.hookimpl(wrapper=True)  # before every plugin's, so before xdist makes a plain -n "load"
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    workers = config.getoption("numprocesses", None)
    given = config.getoption("dist", "no") != "no" or config.getoption("distload", False)
    if workers and not given:
        config.option.dist = "worksteal"
    return (yield)
