"""Feature files read for the report and the glossary, as the official Gherkin parser sees them.

pytest-bdd reads files with the same parser underneath but keeps less: the page shows what the
file says (Rules with their descriptions and tags, each Examples table with its name and tags,
keywords as written in the feature's language). A file pytest-bdd cannot read is kept with its
error, so the report and the glossary show it instead of dying on it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gherkin.dialect import Dialect
from gherkin.errors import CompositeParserException
from gherkin.parser import Parser
from pytest_bdd.parser import FeatureParser

from harness.backends import BACKENDS, UnknownBackend
from harness.collection.backend_tags import closest_backends
from harness.collection.feature_files import feature_uri, read_error
from harness.reporting.living_docs_model import (
    ExamplesView,
    FeatureView,
    RowView,
    RuleView,
    ScenarioView,
    StepView,
)

STEP_TYPES = {"Context": "given", "Action": "when", "Outcome": "then"}
PLACEHOLDER = re.compile(r"<(.+?)>")


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


def rule_view(rule: dict) -> RuleView:
    return RuleView(
        rule["keyword"],
        rule["name"],
        rule["location"]["line"],
        rule.get("description", "").strip("\n"),
        tag_names(rule),
    )


def scenario_view(
    node: dict, feature: dict, backgrounds: list[list[dict]], rule_view: RuleView | None
) -> ScenarioView:
    """One scenario; the scenarios of one Rule share its ``RuleView`` (the page shows it once)."""
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
                shared = rule_view(rule)
                own = list(background)
                for grandchild in rule["children"]:
                    if "background" in grandchild:
                        own = [*background, grandchild["background"].get("steps", [])]
                    elif "scenario" in grandchild:
                        view.scenarios.append(
                            scenario_view(grandchild["scenario"], node, own, shared)
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
