"""The living-documentation report in Cucumber's JSON format (a list of features).

Only runs that happened (passed, failed or skipped) are written, as Cucumber itself does.
"""

from __future__ import annotations

import re

from harness.reporting.living_docs_model import FeatureView, Report, RowView, ScenarioView, StepView

# Cucumber's step statuses; "not run" steps after a failure are "skipped" there.
STATUS = {"passed": "passed", "failed": "failed", "undefined": "undefined", "skipped": "skipped"}


def slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_")


def tag_list(names: list[str], line: int) -> list[dict]:
    return [{"name": f"@{name}", "line": max(line - 1, 1)} for name in names]


def step_json(step: StepView) -> dict:
    result: dict = {
        "status": STATUS.get(step.status, "skipped"),
        "duration": int(step.duration * 1e9),
    }
    if step.error and step.status in ("failed", "undefined"):
        result["error_message"] = step.error
    element: dict = {
        "keyword": step.keyword,
        "name": step.name,
        "line": step.line,
        "match": {"location": ""},
        "result": result,
    }
    if step.docstring is not None:
        element["doc_string"] = {"value": step.docstring, "line": step.line + 1}
    if step.table:
        element["rows"] = [{"cells": row} for row in step.table]
    return element


def hook_json(row: RowView) -> dict:
    """A failure outside the steps (fixture setup or teardown), as Cucumber reports a hook."""
    return {
        "match": {"location": row.result.nodeid},
        "result": {
            "status": "failed",
            "duration": int(row.result.duration * 1e9),
            "error_message": row.result.message,
        },
    }


def row_tags(feature: FeatureView, scenario: ScenarioView, row: RowView) -> list[str]:
    """Every tag the run inherits: feature, rule, scenario and its Examples table."""
    examples = next((e for e in scenario.examples if e.line == row.table), None)
    rule = scenario.rule.tags if scenario.rule else []
    return sorted({*feature.tags, *rule, *scenario.tags, *(examples.tags if examples else [])})


def element_json(feature: FeatureView, scenario: ScenarioView, row: RowView) -> dict:
    """One run: an Examples row on one backend (Cucumber's id keeps them apart)."""
    parts = [slug(feature.uri), slug(row.name) or str(scenario.line), str(scenario.line)]
    if row.table is not None:
        parts.append(f"{row.table}-{row.row}")
    if row.backend:
        parts.append(row.backend)
    element = {
        "keyword": scenario.keyword,
        "id": ";".join(parts),
        "name": row.name,
        "line": scenario.line,
        "description": scenario.description,
        "tags": tag_list(row_tags(feature, scenario, row), scenario.line),
        "type": "scenario",
        "steps": [step_json(step) for step in row.steps],
    }
    if row.failed_in_hook:
        element["before" if row.result.phase == "setup" else "after"] = [hook_json(row)]
    return element


def render(report: Report) -> list[dict]:
    features = []
    for feature in report.features:
        elements = [
            element_json(feature, scenario, row)
            for scenario in feature.scenarios
            for row in scenario.rows
            if row.result is not None
        ]
        if not elements:
            continue
        features.append(
            {
                "keyword": feature.keyword,
                "uri": feature.uri,
                "name": feature.name,
                "id": slug(feature.uri),
                "line": feature.line,
                "description": feature.description,
                "language": feature.language,
                "tags": tag_list(feature.tags, feature.line),
                "elements": elements,
            }
        )
    return features
