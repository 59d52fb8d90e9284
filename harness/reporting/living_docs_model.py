"""The living-documentation report as data: features, scenarios, runs and their results.

One run is one row: (Examples row, backend). ``living_docs_features`` fills the model from the
feature files, ``living_docs_results`` places each test's result on its row; both renderers
(HTML, Cucumber JSON) read it, and neither knows about pytest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.backends import BACKENDS

OUTCOMES = ("failed", "passed", "skipped", "not run")
ANY = "any"  # the column for runs on no particular backend (no backend tag, or skipped first)


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
    keyword: str  # as written, with its trailing space when the language has one ("Lorsqu'")
    name: str
    type: str
    line: int
    background: bool
    status: str = "not run"  # passed | failed | undefined | skipped | not run
    duration: float = 0.0
    error: str = ""
    docstring: str | None = None
    table: list[list[str]] | None = None

    @property
    def text(self) -> str:
        return f"{self.keyword}{self.name}"


@dataclass
class ExamplesView:
    keyword: str
    name: str
    line: int
    tags: list[str]
    description: str
    columns: list[str]
    rows: list[dict[str, str]]


@dataclass
class RowView:
    """One run of a scenario: one Examples row (or the scenario itself) on one backend."""

    example: dict[str, str]
    name: str
    steps: list[StepView]
    backends: list[str]
    table: int | None = None  # the line of its Examples table, and its row there
    row: int | None = None
    backend: str | None = None  # the @backends: run, if any
    result: Result | None = None
    unplaced: bool = False  # a result no row of the file matched (shown on its own)

    @property
    def outcome(self) -> str:
        return self.result.outcome if self.result else "not run"

    @property
    def failed_in_hook(self) -> bool:
        """Failed, but in no step: a fixture's setup or teardown went wrong."""
        return self.outcome == "failed" and not any(
            s.status in ("failed", "undefined") for s in self.steps
        )


@dataclass
class RuleView:
    keyword: str
    name: str
    line: int
    description: str
    tags: list[str]


@dataclass
class ScenarioView:
    keyword: str
    name: str
    line: int
    outline: bool
    tags: list[str]
    description: str
    steps: list[StepView]
    examples: list[ExamplesView]
    rows: list[RowView]
    rule: RuleView | None = None
    backends: list[str] = field(default_factory=list)  # from its @backends: tag
    note: str = ""  # why it cannot run though the file reads well

    @property
    def outcome(self) -> str:
        return worst(row.outcome for row in self.rows)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(c for examples in self.examples for c in examples.columns))

    def by_backend(self) -> dict[str, str]:
        """The scenario's result per backend column (the worst of its rows there)."""
        cells: dict[str, list[str]] = {}
        for row in self.rows:
            for backend in row.backends or [ANY]:
                cells.setdefault(backend, []).append(row.outcome)
        return {backend: worst(outcomes) for backend, outcomes in cells.items()}

    def tag_set(self, feature_tags: list[str]) -> set[str]:
        """Every tag the scenario carries or inherits (feature, rule, Examples tables)."""
        rule = self.rule.tags if self.rule else []
        return {*feature_tags, *rule, *self.tags, *(t for e in self.examples for t in e.tags)}

    def row_at(self, table: int, row: int, backend: str | None) -> RowView | None:
        return next(
            (r for r in self.rows if (r.table, r.row, r.backend) == (table, row, backend)), None
        )


@dataclass
class FeatureView:
    keyword: str
    name: str
    uri: str  # the path under the root: features/team_a/memory/recall.feature
    line: int
    description: str
    tags: list[str]
    language: str
    scenarios: list[ScenarioView] = field(default_factory=list)
    error: str = ""  # why pytest-bdd (or Gherkin) cannot read the file; "" when it can
    path: str = ""  # absolute, to match results

    @property
    def outcome(self) -> str:
        if self.error:
            return "failed"
        return worst(s.outcome for s in self.scenarios)

    @property
    def ran(self) -> bool:
        """Something of it ran in this session (or it cannot be read, which the page shows)."""
        return bool(self.error) or any(r.result for s in self.scenarios for r in s.rows)

    def lines(self) -> list[RuleLine]:
        """Its rules in file order, each with its scenarios; a scenario in no rule is a line."""
        found: list[RuleLine] = []
        for scenario in self.scenarios:
            rule = scenario.rule
            same = next((g for g in found if rule is not None and g.rule is rule), None)
            if same is None:
                found.append(RuleLine(rule, [scenario]))
            else:
                same.scenarios.append(scenario)
        return found


@dataclass
class RuleLine:
    """One line of the page's summary: a Rule and its scenarios, or a scenario in no rule."""

    rule: RuleView | None
    scenarios: list[ScenarioView]

    def by_backend(self) -> dict[str, str]:
        """Per backend: failed if any of its examples failed there (``worst``)."""
        cells: dict[str, list[str]] = {}
        for scenario in self.scenarios:
            for backend, outcome in scenario.by_backend().items():
                cells.setdefault(backend, []).append(outcome)
        return {backend: worst(outcomes) for backend, outcomes in cells.items()}

    @property
    def outcome(self) -> str:
        return worst(s.outcome for s in self.scenarios)


@dataclass
class Report:
    features: list[FeatureView]
    wall_seconds: float
    collect_errors: list[tuple[str, str]]

    def shown(self) -> list[FeatureView]:
        """The features the page shows: those that ran, failures first, then in path order."""
        ran = [f for f in self.features if f.ran]
        return sorted(ran, key=lambda f: f.outcome != "failed")

    def not_run(self) -> list[FeatureView]:
        """Features none of whose scenarios ran in this session (another folder, -k, -m)."""
        return [f for f in self.features if not f.ran]

    def rows(self) -> list[RowView]:
        return [row for f in self.shown() for s in f.scenarios for row in s.rows]

    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows():
            counts[row.outcome] += 1
        return counts

    def test_seconds(self) -> float:
        return sum(row.result.duration for row in self.rows() if row.result)

    def backend_columns(self) -> list[str]:
        used = {b for f in self.shown() for s in f.scenarios for b in s.by_backend()}
        return [b for b in (*BACKENDS, ANY) if b in used] + sorted(used - {*BACKENDS, ANY})

    def unreadable(self) -> list[FeatureView]:
        return [f for f in self.features if f.error]

    def tags(self) -> list[str]:
        return sorted({t for f in self.shown() for s in f.scenarios for t in s.tag_set(f.tags)})


def failed_first(items, outcome=lambda item: item.outcome):
    """Failures on top; otherwise the order they had (the file's)."""
    return sorted(items, key=lambda item: outcome(item) != "failed")


def worst(outcomes) -> str:
    """failed beats passed beats skipped beats not run."""
    found = set(outcomes)
    return next((o for o in OUTCOMES if o in found), "not run")
