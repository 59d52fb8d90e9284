"""The living-documentation report: ``pytest features/ --living-docs=reports/``.

Writes ``index.html`` (one self-contained page: every feature, scenario and step with its result
per backend), ``cucumber.json`` (for tools that read Cucumber's format), ``messages.ndjson``
(Cucumber Messages), ``junit.xml`` (for CI dashboards), ``steps.html`` (the step glossary
the page links to) and ``results.json`` (what ``harness.reporting.merge`` joins across shards).

It works under pytest-xdist: pytest-bdd's own reporting lives in worker memory, so each worker
records what its scenarios did and ships it to the controller in the teardown report's
``user_properties`` (plain JSON, which xdist serialises); the controller merges those records
with the feature files it parses itself, so runs that were deselected still appear (a feature
none of whose scenarios ran is only counted).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_bdd.parser import Feature, Scenario, ScenarioTemplate, Step
from pytest_bdd.scenario import scenario_wrapper_template_registry

from harness.collection.feature_files import feature_uri, features_dir
from harness.collection.markers import item_backends
from harness.reporting.living_docs_features import written_keyword
from harness.reporting.living_docs_model import Result
from harness.reporting.living_docs_results import build_report
from harness.reporting.missing_step import needs_message

PROPERTY = "agentstore_living_docs"
STEP_RESULTS = pytest.StashKey[dict[int, dict]]()
MAX_MESSAGE = 20_000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentstore-docs", "agentstore living documentation")
    group.addoption(
        "--living-docs",
        metavar="DIR",
        default=None,
        help="write DIR/index.html (living documentation), DIR/cucumber.json, "
        "DIR/messages.ndjson, DIR/junit.xml and DIR/steps.html",
    )


def pytest_configure(config: pytest.Config) -> None:
    directory = config.getoption("living_docs")
    if directory:  # on every process: records what Cucumber Messages need of each step
        config.pluginmanager.import_plugin("harness.reporting.living_docs_matches")
    if directory and not hasattr(config, "workerinput"):
        config.pluginmanager.register(LivingDocs(config, Path(directory)), "agentstore-living-docs")


# -- on the process that runs the scenario (a worker, or the only process) ----------------------
def _steps(request: pytest.FixtureRequest) -> dict[int, dict]:
    return request.node.stash.setdefault(STEP_RESULTS, {})


def _index(scenario: Scenario, step: Step) -> int:
    return next(i for i, candidate in enumerate(scenario.steps) if candidate is step)


def message_of(exception: BaseException) -> str:
    """The error as a reader needs it: its type and message (pytest's assertion explanation)."""
    text = str(exception).strip()
    name = type(exception).__name__
    return (f"{name}: {text}" if text else name)[:MAX_MESSAGE]


def pytest_bdd_before_step(
    request: pytest.FixtureRequest, feature: Feature, scenario: Scenario, step: Step, step_func
) -> None:
    _steps(request)[_index(scenario, step)] = {"status": "started", "start": time.perf_counter()}


def _finish(request: pytest.FixtureRequest, scenario: Scenario, step: Step, **fields) -> None:
    record = _steps(request).setdefault(_index(scenario, step), {"start": time.perf_counter()})
    record["duration"] = time.perf_counter() - record.pop("start")
    record.update(fields)


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args) -> None:
    _finish(request, scenario, step, status="passed")


def pytest_bdd_step_error(
    request, feature, scenario, step, step_func, step_func_args, exception
) -> None:
    error = message_of(exception)
    if isinstance(exception, pytest.FixtureLookupError) and exception.argname:
        # the page says what the terminal says: the steps that give the value, no fixture list
        where = f"{feature_uri(feature.filename, request.config.rootpath)}:{step.line_number}"
        error = needs_message(step, exception.argname, where)
    _finish(request, scenario, step, status="failed", error=error)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    """Runs before missing_step turns the lookup error into the failure message."""
    _steps(request)[_index(scenario, step)] = {
        "status": "undefined",
        "duration": 0.0,
        "error": message_of(exception),
    }


def example_place(template: ScenarioTemplate, item: pytest.Item) -> tuple[int | None, int | None]:
    """Which Examples table (by its line) and which of its rows this test runs.

    pytest-bdd parametrises with every row of every table in order; the test holds the very
    row object of that list (two tables may hold equal rows, so identity, not equality).
    """
    callspec = getattr(item, "callspec", None)
    example = callspec.params.get("_pytest_bdd_example") if callspec else None
    if example is None:
        return None, None
    rows = next(
        (m.args[1] for m in item.iter_markers("parametrize") if m.args[0] == "_pytest_bdd_example"),
        [],
    )
    index = next((i for i, p in enumerate(rows) if p.values[0] is example), None)
    if index is None:
        return None, None
    for examples in template.examples:
        if index < len(examples.examples):
            return examples.line_number, index
        index -= len(examples.examples)
    return None, None


def scenario_payload(item: pytest.Item) -> dict | None:
    """What the controller needs to place this test in the report; None for non-Gherkin tests."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    table, row = example_place(template, item)
    return {
        "nodeid": item.nodeid,
        "path": os.path.abspath(template.feature.filename),
        "feature": feature_uri(template.feature.filename, item.config.rootpath),
        "scenario": template.name,
        "line": template.line_number,
        "example": dict(params.get("_pytest_bdd_example", {})),
        "table": table,
        "row": row,
        "backend": params.get("backend"),
        "backends": sorted(item_backends(item)),
        "steps": {str(i): step for i, step in item.stash.get(STEP_RESULTS, {}).items()},
    }


MARKS = {"passed": "✔", "failed": "✘", "undefined": "?", "started": "✘"}


def scenario_section(item: pytest.Item) -> str | None:
    """The failed scenario as Gherkin, each step marked, for the terminal's failure report."""
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = dict(callspec.params.get("_pytest_bdd_example", {})) if callspec else {}
    scenario = template.render(example)
    language = template.feature.language
    recorded = item.stash.get(STEP_RESULTS, {})
    lines = [
        f"{feature_uri(template.feature.filename, item.config.rootpath)}:{template.line_number}"
        f"  {scenario.keyword}: {scenario.name}"
    ]
    for index, step in enumerate(scenario.steps):
        status = recorded.get(index, {}).get("status", "skipped")
        mark = MARKS.get(status, "↷")
        here = f"   <- {status} (line {step.line_number})" if mark in "✘?" else ""
        lines.append(f"  {mark} {written_keyword(step.keyword, language)}{step.name}{here}")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" and report.failed:
        section = scenario_section(item)
        if section is not None:
            report.sections.append(("Scenario", section))
    if report.when == "teardown" and item.config.getoption("living_docs"):
        payload = scenario_payload(item)
        if payload is not None:
            report.user_properties.append((PROPERTY, json.dumps(payload)))
    return report


# -- on the controller ------------------------------------------------------------------------
def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    return (crash.message if crash is not None else report.longreprtext)[:MAX_MESSAGE]


def is_scenario(result: Result) -> bool:
    """A Gherkin test: it sent its payload, or (crashed before it could) its file is a feature."""
    return result.payload is not None or ".feature::" in result.nodeid


class LivingDocs:
    """Collects every test's outcome on the controller and writes the report at the end."""

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        self.config = config
        self.directory = directory
        self.results: dict[str, Result] = {}
        self.collect_errors: list[tuple[str, str]] = []
        self.started = time.time()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append((report.nodeid, report.longreprtext[:MAX_MESSAGE]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self.results.setdefault(report.nodeid, Result(report.nodeid))
        result.duration += report.duration
        if report.failed and result.outcome != "failed":
            result.outcome = "failed"
            result.phase = report.when
            result.message = failure_message(report)
            result.details = report.longreprtext[:MAX_MESSAGE]
        elif report.skipped and result.outcome == "passed":
            result.outcome = "skipped"
            result.message = skip_reason(report)
        for name, value in report.user_properties:
            if name == PROPERTY:
                result.payload = json.loads(value)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from harness.reporting import (
            glossary,
            glossary_render,
            living_docs_cucumber,
            living_docs_junit,
            living_docs_messages,
            living_docs_render,
        )

        report = build_report(
            features_dir(self.config),
            [r for r in self.results.values() if is_scenario(r)],
            wall_seconds=time.time() - self.started,
            collect_errors=self.collect_errors,
            root=self.config.rootpath,
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        entries = glossary.collect(self.config)
        writers: dict[str, Callable[[], str]] = {
            "index.html": lambda: living_docs_render.render(report, glossary_href="steps.html"),
            "cucumber.json": lambda: json.dumps(living_docs_cucumber.render(report), indent=2),
            "messages.ndjson": lambda: living_docs_messages.render(
                report, self.config.rootpath, self.started, time.time()
            ),
            "junit.xml": lambda: living_docs_junit.render(report),
            "steps.html": lambda: glossary_render.html(
                entries, back_href="index.html", errors=glossary.unreadable(self.config)
            ),
        }
        for name, write in writers.items():
            (self.directory / name).write_text(write(), encoding="utf-8")
        self.write_results()

    def write_results(self) -> None:
        """``results.json``: what ``python -m harness.reporting.merge`` needs of this shard."""
        from harness.reporting.merge import RESULTS, Shard

        root = Path(self.config.rootpath).resolve()
        shard = Shard(
            str(root),
            os.path.relpath(features_dir(self.config).resolve(), root),
            self.started,
            time.time(),
            [r for r in self.results.values() if is_scenario(r)],
            self.collect_errors,
        )
        (self.directory / RESULTS).write_text(shard.dumps(), encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        page = (self.directory / "index.html").resolve()
        terminalreporter.write_sep("-", f"living documentation: {page}")
