"""Hypothesis's end-of-run summary only in sessions where Hypothesis had something to say.

Hypothesis's pytest plugin imports Hypothesis in every session's terminal summary, to ask
whether it wrote observation files: 0.35-0.65 s of CPU per session here (Hypothesis loads
trio's plugin on import), more under coverage. It did so in every session that ran no
Hypothesis test too: every ``pytest features/`` run, the asyncio pass and the inner sessions
the harness's tests start. Where this process never imported Hypothesis, no report carries its
statistics or failing examples (any ``--hypothesis-*`` option imports it at configure time), the
summary has nothing to print, and this plugin unregisters Hypothesis's plugin just before the
summary is written. Anywhere else Hypothesis's summary runs as usual (a failing example's
``git apply`` hint included).
"""

from __future__ import annotations

import sys

import pytest

PLUGIN = "hypothesispytest"  # the name of Hypothesis's pytest11 entry point
REPORT_KEYS = ("_hypothesis_stats", "_hypothesis_failing_examples")  # what its summary reads


def has_something_to_say(config: pytest.Config) -> bool:
    """Whether Hypothesis's summary could print anything in this session."""
    if "hypothesis" in sys.modules:  # also when any --hypothesis-* option is given
        return True
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    reports = (report for listed in stats.values() for report in listed)
    return any(key in vars(report) for report in reports for key in REPORT_KEYS)


@pytest.hookimpl(trylast=True)  # the terminal reporter writes the summary after this hook
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    plugin = config.pluginmanager.get_plugin(PLUGIN)
    if plugin is not None and not has_something_to_say(config):
        config.pluginmanager.unregister(plugin)
