"""Each test's result placed on its run in the report, never dropped.

A result carries where it ran (the worker's payload: file path, scenario line, Examples table
line and row, backend); it lands on that row, or, when no row fits (a file moved, a row the
file no longer has, a second result for one run), on a row of its own, so totals never lose it.
"""

from __future__ import annotations

from pathlib import Path

from harness.reporting.living_docs_features import read_features
from harness.reporting.living_docs_model import (
    FeatureView,
    Report,
    Result,
    RowView,
    ScenarioView,
    StepView,
)


def apply_result(row: RowView, result: Result) -> None:
    """Give each step of a run its status from what the worker recorded."""
    row.result = result
    payload = result.payload or {}
    row.backends = payload.get("backends") or row.backends
    recorded = payload.get("steps", {})
    for index, step in enumerate(row.steps):
        record = recorded.get(str(index))
        if record is None:
            step.status = "skipped"
            continue
        step.duration = record.get("duration", 0.0)
        step.error = record.get("error", "")
        status = record["status"]
        if status == "started":  # left without passing or failing: skipped, or interrupted
            status = "skipped" if result.outcome == "skipped" else "failed"
            step.error = step.error or result.message
        if status == "undefined":  # the failure message names the step and the Python to add
            step.error = result.message or step.error
        step.status = status


def unplaced_row(result: Result, steps: list[StepView]) -> RowView:
    payload = result.payload or {}
    row = RowView(
        dict(payload.get("example", {})),
        f"{payload.get('scenario', '')} ({result.nodeid})",
        [StepView(**vars(s)) for s in steps],
        [],
        backend=payload.get("backend"),
        unplaced=True,
    )
    apply_result(row, result)
    return row


def place(features: list[FeatureView], result: Result) -> None:
    """Put the result on its row; when none fits, on a row of its own (never dropped)."""
    payload = result.payload or {}
    uri = payload.get("feature") or result.nodeid.partition("::")[0]
    feature = next(
        (f for f in features if f.path == payload.get("path") or (not payload and f.uri == uri)),
        None,
    )
    if feature is None:
        feature = FeatureView("Feature", uri, uri, 1, "", [], "", path=payload.get("path", ""))
        features.append(feature)
    scenario = next((s for s in feature.scenarios if s.line == payload.get("line")), None)
    if scenario is None:
        name = payload.get("scenario", result.nodeid)
        scenario = ScenarioView("Scenario", name, payload.get("line", 0), False, [], "", [], [], [])
        feature.scenarios.append(scenario)
    table, row = payload.get("table"), payload.get("row")
    target = scenario.row_at(table, row, payload.get("backend"))
    if target is not None and target.result is None:
        apply_result(target, result)
    else:
        scenario.rows.append(unplaced_row(result, scenario.steps))


def build_report(
    features_dir: Path,
    results: list[Result],
    wall_seconds: float = 0.0,
    collect_errors: list[tuple[str, str]] | None = None,
    root: Path | None = None,
) -> Report:
    """Every feature under ``features_dir``, each run matched with its result."""
    features = read_features(features_dir, root)
    for result in sorted(results, key=lambda r: r.nodeid):
        place(features, result)
    return Report(features, wall_seconds, list(collect_errors or []))
