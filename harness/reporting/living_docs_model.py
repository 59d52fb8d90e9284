"""The living-documentation report as data: features from disk, merged with test results.

Both renderers (HTML, Cucumber JSON) read this model; neither knows about pytest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pytest_bdd.feature import get_features
from pytest_bdd.parser import ScenarioTemplate

from harness.backends import BACKENDS
from harness.collection.backend_tags import scenario_backends

OUTCOMES = ("failed", "passed", "skipped", "not run")
ANY = "any"  # the column for scenarios that need no particular backend


@dataclass
class Result:
    """One test's outcome as the controller saw it (from setup, call and teardown reports)."""

    nodeid: str
    outcome: str = "passed"
    phase: str = ""
    message: str = ""
    details: str = ""
    duration: float = 0.0
    payload: dict | None = None


@dataclass
class StepView:
    keyword: str
    name: str
    type: str
    line: int
    background: bool
    status: str = "not run"  # passed | failed | undefined | skipped | not run
    duration: float = 0.0
    error: str = ""
    docstring: str | None = None
    table: list[list[str]] | None = None


@dataclass
class RowView:
    """One run of a scenario: the only run of a plain scenario, or one Examples row."""

    example: dict[str, str]
    name: str
    steps: list[StepView]
    backends: list[str]
    result: Result | None = None

    @property
    def outcome(self) -> str:
        return self.result.outcome if self.result else "not run"

    @property
    def failed_in_hook(self) -> bool:
        """Failed, but not in a step: a fixture's setup or teardown went wrong."""
        return self.outcome == "failed" and not any(s.status == "failed" for s in self.steps)


@dataclass
class ScenarioView:
    keyword: str
    name: str
    line: int
    outline: bool
    tags: list[str]
    description: str
    steps: list[StepView]
    columns: list[str]
    rows: list[RowView]
    rule: str = ""

    @property
    def outcome(self) -> str:
        return worst(row.outcome for row in self.rows)

    def by_backend(self) -> dict[str, str]:
        """The scenario's result per backend column (the worst of its rows there)."""
        cells: dict[str, list[str]] = {}
        for row in self.rows:
            for backend in row.backends or [ANY]:
                cells.setdefault(backend, []).append(row.outcome)
        return {backend: worst(outcomes) for backend, outcomes in cells.items()}


@dataclass
class FeatureView:
    keyword: str
    name: str
    uri: str
    line: int
    description: str
    tags: list[str]
    language: str
    scenarios: list[ScenarioView] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return worst(s.outcome for s in self.scenarios)


@dataclass
class Report:
    features: list[FeatureView]
    wall_seconds: float
    collect_errors: list[tuple[str, str]]

    def rows(self) -> list[RowView]:
        return [row for f in self.features for s in f.scenarios for row in s.rows]

    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows():
            counts[row.outcome] += 1
        return counts

    def test_seconds(self) -> float:
        return sum(row.result.duration for row in self.rows() if row.result)

    def backend_columns(self) -> list[str]:
        used = {b for f in self.features for s in f.scenarios for b in s.by_backend()}
        return [b for b in (*BACKENDS, ANY) if b in used] + sorted(used - {*BACKENDS, ANY})


def worst(outcomes) -> str:
    """failed beats passed beats skipped beats not run."""
    found = set(outcomes)
    return next((o for o in OUTCOMES if o in found), "not run")


def row_backends(template: ScenarioTemplate, example: dict[str, str]) -> list[str]:
    """The backends a run needs when no result says so: its backend tags."""
    found = {tag for tag in template.tags | template.feature.tags if tag in BACKENDS}
    return sorted(found | set(scenario_backends(template)))


def step_views(template: ScenarioTemplate, example: dict[str, str]) -> list[StepView]:
    steps = template.render(example).steps  # placeholders missing from example stay as <name>
    # Rendering forgets which steps came from a Background; the template still knows.
    from_background = [s.background is not None for s in template.steps]
    return [
        StepView(
            s.keyword,
            s.name,
            s.type,
            s.line_number,
            background,
            docstring=s.docstring,
            table=[[str(cell) for cell in row] for row in s.datatable.raw()]
            if s.datatable
            else None,
        )
        for s, background in zip(steps, from_background, strict=True)
    ]


def apply_result(row: RowView, result: Result) -> None:
    """Give each step of a run its status from what the worker recorded."""
    row.result = result
    row.backends = result.payload.get("backends", row.backends) or row.backends
    recorded = result.payload.get("steps", {})
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
        step.status = status


def scenario_view(template: ScenarioTemplate, results: list[Result]) -> ScenarioView:
    contexts = [c for examples in template.examples for c in examples.as_contexts()]
    columns = list(dict.fromkeys(k for c in contexts for k in c))
    rows = [
        RowView(c, template.render(c).name, step_views(template, c), row_backends(template, c))
        for c in contexts or [{}]
    ]
    for result in results:
        index = result.payload.get("example_index")
        if not contexts:
            index = 0
        if index is not None and index < len(rows) and rows[index].result is None:
            apply_result(rows[index], result)
    return ScenarioView(
        template.keyword,
        template.name,
        template.line_number,
        bool(contexts),
        sorted(template.tags),
        template.description,
        step_views(template, {}),
        columns,
        rows,
        rule=template.rule.name if template.rule else "",
    )


def build_report(
    features_dir: Path,
    results: list[Result],
    wall_seconds: float = 0.0,
    collect_errors: list[tuple[str, str]] | None = None,
) -> Report:
    """Every feature under ``features_dir``, each scenario run matched with its result."""
    by_scenario: dict[tuple[str, str], list[Result]] = {}
    for result in sorted(results, key=lambda r: r.nodeid):
        key = (result.payload["feature"], result.payload["scenario"])
        by_scenario.setdefault(key, []).append(result)
    features = []
    for feature in sorted(get_features([str(features_dir)]), key=lambda f: f.rel_filename):
        view = FeatureView(
            feature.keyword,
            feature.name or feature.rel_filename,
            feature.rel_filename,
            feature.line_number,
            feature.description,
            sorted(feature.tags),
            feature.language,
        )
        for template in feature.scenarios.values():
            found = by_scenario.get((feature.rel_filename, template.name), [])
            view.scenarios.append(scenario_view(template, found))
        features.append(view)
    return Report(features, wall_seconds, list(collect_errors or []))
