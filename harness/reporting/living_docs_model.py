"""The living-documentation report as data: features from disk, merged with test results.

Features are read with the official Gherkin parser (what pytest-bdd itself uses underneath), so
the page shows what the file says: Rules with their descriptions and tags, each Examples table
with its name and tags, keywords as written in the feature's language. A file pytest-bdd cannot
read is kept with its error. One run is one row: (Examples row, backend). A result always lands
somewhere: on its row, or, when no row fits, as a row of its own, so totals never lose it.

Both renderers (HTML, Cucumber JSON) read this model; neither knows about pytest.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from gherkin.dialect import Dialect
from gherkin.errors import CompositeParserException
from gherkin.parser import Parser
from pytest_bdd.parser import FeatureParser

from harness.backends import BACKENDS, UnknownBackend
from harness.collection.backend_tags import closest_backends
from harness.collection.feature_files import feature_uri, read_error

OUTCOMES = ("failed", "passed", "skipped", "not run")
ANY = "any"  # the column for scenarios that need no particular backend
STEP_TYPES = {"Context": "given", "Action": "when", "Outcome": "then"}
PLACEHOLDER = re.compile(r"<(.+?)>")


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

    def unreadable(self) -> list[FeatureView]:
        return [f for f in self.features if f.error]


def worst(outcomes) -> str:
    """failed beats passed beats skipped beats not run."""
    found = set(outcomes)
    return next((o for o in OUTCOMES if o in found), "not run")


def dialect_of(language: str) -> Dialect:
    return Dialect.for_name(language or "en") or Dialect.for_name("en")


def type_keyword(step: StepView, language: str) -> str:
    """The keyword that states the step's type in the feature's language: the one written
    when it does (``Soit``, ``Lorsqu'``), else the language's first (``And`` -> ``Given``)."""
    dialect = dialect_of(language)
    spellings = {
        "given": dialect.given_keywords,
        "when": dialect.when_keywords,
        "then": dialect.then_keywords,
    }[step.type]
    own = [k for k in spellings if k.strip() != "*"]
    return step.keyword if step.keyword in own else own[0]


def written_keyword(keyword: str, language: str) -> str:
    """A step keyword as the language writes it, so ``Lorsqu'`` gets no space and ``Given`` one.

    pytest-bdd strips and title-cases keywords ("Etant Donné Que"); the dialect knows the spelling.
    """
    dialect = dialect_of(language)
    spellings = [
        *dialect.given_keywords,
        *dialect.when_keywords,
        *dialect.then_keywords,
        *dialect.and_keywords,
        *dialect.but_keywords,
    ]
    wanted = keyword.strip().casefold()
    found = next((k for k in spellings if k.strip().casefold() == wanted), None)
    return found if found is not None else f"{keyword.strip()} "


# -- reading feature files --------------------------------------------------------------------
def render(text: str, context: dict[str, str]) -> str:
    """Placeholders replaced by the row's values; unknown ones stay as ``<name>`` (pytest-bdd)."""
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), m.group(0))), text)


def tag_names(node: dict) -> list[str]:
    return sorted(tag["name"].removeprefix("@") for tag in node.get("tags", []))


def steps_of(nodes: list[dict], background: bool, context: dict[str, str]) -> list[StepView]:
    """Steps with their type (And/But/* take the one before, as pytest-bdd does)."""
    steps, current = [], "given"
    for node in nodes:
        current = STEP_TYPES.get(node.get("keywordType", ""), current)
        doc = node.get("docString")
        table = node.get("dataTable")
        steps.append(
            StepView(
                node["keyword"],
                render(node["text"], context),
                current,
                node["location"]["line"],
                background,
                docstring=render(doc["content"], context) if doc else None,
                table=[[render(c["value"], context) for c in r["cells"]] for r in table["rows"]]
                if table
                else None,
            )
        )
    return steps


def examples_view(node: dict) -> ExamplesView:
    header = [c["value"] for c in (node.get("tableHeader") or {}).get("cells", [])]
    body = [[c["value"] for c in row["cells"]] for row in node.get("tableBody") or []]
    return ExamplesView(
        node["keyword"],
        node["name"],
        node["location"]["line"],
        tag_names(node),
        node.get("description", "").strip("\n"),
        header,
        [dict(zip(header, values, strict=False)) for values in body] if header else [],
    )


def tag_backends(*levels: list[str]) -> list[str]:
    try:
        return closest_backends(levels)
    except UnknownBackend:
        return []  # the run reports the bad tag; the page shows the scenario without backends


def scenario_view(
    node: dict, feature: dict, backgrounds: list[list[dict]], rule: dict | None
) -> ScenarioView:
    rule_view = (
        RuleView(
            rule["keyword"],
            rule["name"],
            rule["location"]["line"],
            rule.get("description", "").strip("\n"),
            tag_names(rule),
        )
        if rule
        else None
    )
    tags = tag_names(node)
    feature_tags = tag_names(feature)
    backends = tag_backends(tags, rule_view.tags if rule_view else [], feature_tags)
    marked = sorted(
        {t for t in (*tags, *feature_tags, *(rule_view.tags if rule_view else []))} & set(BACKENDS)
    )
    examples = [examples_view(e) for e in node.get("examples", [])]

    def steps(context: dict[str, str]) -> list[StepView]:
        found = [s for b in backgrounds for s in steps_of(b, True, context)]
        return found + steps_of(node.get("steps", []), False, context)

    runs = [(table.line, r, context) for table in examples for r, context in enumerate(table.rows)]
    rows = []
    for table, row, context in runs or [(None, None, {})]:
        for backend in backends or [None]:
            rows.append(
                RowView(
                    context,
                    render(node["name"], context),
                    steps(context),
                    [backend] if backend else marked,
                    table,
                    row,
                    backend,
                )
            )
    return ScenarioView(
        node["keyword"],
        node["name"],
        node["location"]["line"],
        bool(examples),
        tags,
        node.get("description", "").strip("\n"),
        steps({}),
        examples,
        rows,
        rule_view,
        backends,
    )


def pytest_bdd_error(path: Path, uri: str) -> str:
    """Why pytest-bdd cannot read the file (its parser is stricter than Gherkin), or ""."""
    try:
        FeatureParser(str(path.parent), path.name).parse()
    except Exception as error:  # its parser fails in many ways (KeyError included)
        return read_error(error, uri)
    return ""


def read_feature(path: Path, root: Path) -> FeatureView:
    """One feature file as the page shows it; an unreadable one keeps its error."""
    uri = feature_uri(path, root)
    try:
        document = Parser().parse(path.read_text(encoding="utf-8"))
    except (CompositeParserException, OSError, UnicodeDecodeError) as error:
        return FeatureView(
            "Feature", uri, uri, 1, "", [], "", error=f"{uri}: {error}", path=os.path.abspath(path)
        )
    node = document.get("feature")
    if node is None:
        view = FeatureView("Feature", uri, uri, 1, "", [], "", path=os.path.abspath(path))
    else:
        view = FeatureView(
            node["keyword"],
            node["name"] or uri,
            uri,
            node["location"]["line"],
            node.get("description", "").strip("\n"),
            tag_names(node),
            node["language"],
            path=os.path.abspath(path),
        )
        background: list[list[dict]] = []
        for child in node["children"]:
            if "background" in child:
                background = [child["background"].get("steps", [])]
            elif "scenario" in child:
                view.scenarios.append(scenario_view(child["scenario"], node, background, None))
            elif "rule" in child:
                rule = child["rule"]
                own = list(background)
                for grandchild in rule["children"]:
                    if "background" in grandchild:
                        own = [*background, grandchild["background"].get("steps", [])]
                    elif "scenario" in grandchild:
                        view.scenarios.append(
                            scenario_view(grandchild["scenario"], node, own, rule)
                        )
    view.error = pytest_bdd_error(path, uri)
    note_hidden(view.scenarios)
    return view


def note_hidden(scenarios: list[ScenarioView]) -> None:
    """pytest-bdd runs one scenario per name in a file, the last: say so on the others."""
    last = {s.name: s for s in scenarios}
    for scenario in scenarios:
        if last[scenario.name] is not scenario:
            scenario.note = (
                f"pytest-bdd runs one scenario per name in a file: this one is hidden by the "
                f"scenario of the same name on line {last[scenario.name].line}"
            )


def read_features(features_dir: Path, root: Path | None = None) -> list[FeatureView]:
    """Every feature file under ``features_dir``, by path; unreadable ones with their error."""
    root = root or features_dir.parent
    paths = sorted(features_dir.rglob("*.feature")) if features_dir.is_dir() else []
    return [read_feature(path, root) for path in paths]


# -- placing results ---------------------------------------------------------------------------
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
