"""Hypothesis's end-of-run summary only in sessions where Hypothesis had something to say.

Hypothesis's pytest plugin imports Hypothesis in every session's terminal summary, to ask
whether it wrote observation files: 0.35-0.65 s of CPU per session here (Hypothesis loads
trio's plugin on import), more under coverage. It did so in sessions that ran no Hypothesis
test (every ``pytest features/`` run, the asyncio pass, the runs of the repository's own
specification that the harness's tests start) and in xdist controllers, whose workers ran the
Hypothesis tests. Where this process never imported Hypothesis (any ``--hypothesis-*`` option
imports it at configure time) and no report carries a failing example to write as a patch, the
summary has nothing to print, and this plugin unregisters Hypothesis's plugin just before the
summary is written. Anywhere else Hypothesis's summary runs as usual.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

PLUGIN = "hypothesispytest"  # the name of Hypothesis's pytest11 entry point
FAILING = "_hypothesis_failing_examples"  # a report's failing example, which the summary writes


def carries_failing_example(stats: dict[str, list[Any]]) -> bool:
    """Whether a report of the terminal reporter's ``stats`` holds a failing example."""
    reports = (report for listed in stats.values() for report in listed)
    return any(FAILING in getattr(report, "__dict__", {}) for report in reports)


def has_something_to_say(config: pytest.Config) -> bool:
    """Whether Hypothesis's summary could print anything in this session."""
    if "hypothesis" in sys.modules:
        return True
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return carries_failing_example(getattr(reporter, "stats", {}))


@pytest.hookimpl(trylast=True)  # the terminal reporter writes the summary after this hook
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    plugin = config.pluginmanager.get_plugin(PLUGIN)
    if plugin is not None and not has_something_to_say(config):
        config.pluginmanager.unregister(plugin)
