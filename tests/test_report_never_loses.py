"""The report never loses a failure: each way it once did, as a small project run by pytester.

Every test builds its feature files in pytest's own ``pytester`` folder, runs the harness on them
in a fresh interpreter (serially, and under ``-n 2`` where workers change the path a result takes)
and reads what pytest, the HTML page and cucumber.json say: they must agree.
"""

from __future__ import annotations

import re

import pytest
from spec_project import HarnessProject

MODES = pytest.mark.parametrize("mode", ["serial", pytest.param("xdist", marks=pytest.mark.slow)])


def run(project: HarnessProject, mode: str, *args: str, **kwargs):
    extra = ("-n", "2") if mode == "xdist" else ()
    return project.run("--living-docs=reports", *extra, *args, **kwargs)


def totals(page) -> dict[str, int]:
    """The header's counts: {"failed": 1, "passed": 2, ...}."""
    found = {}
    for span in page.select("div", "totals")[0].children:
        if "errors" in span.classes:
            continue
        _icon, *name, count = span.text.split()
        found[" ".join(name)] = int(count)
    return found


def failed_steps(cucumber: list[dict]) -> list[tuple[str, str, str]]:
    """(feature uri, run name, step) for every failed step in cucumber.json."""
    return [
        (feature["uri"], element["name"], step["name"])
        for feature in cucumber
        for element in feature["elements"]
        for step in element["steps"]
        if step["result"]["status"] == "failed"
    ]


def matrix(page) -> dict[str, dict[str, str]]:
    """The summary: "feature / rule or scenario" -> {backend: result}."""
    head = [th.text for th in page.select("table", "matrix")[0].select("th", "backend")]
    found = {}
    for group in page.select("tbody", "feature-lines"):
        feature = group.select("tr", "feature-line")[0].select("a")[0].text
        for line in group.select("tr", "rule-line"):
            cells = [td.text for td in line.select("td")[1:]]
            name = line.select("a")[0].text
            found[f"{feature} / {name}"] = dict(zip(head, cells, strict=True))
    return found


# -- one row per (Examples row, backend) ------------------------------------------------------
ON_TWO_BACKENDS = """\
@backends:postgres,sqlite
Feature: Checks on two backends

  Scenario Outline: the check <name> holds
    Then the check "<name>" fails on <bad>

    Examples:
      | name | bad      |
      | one  | postgres |
      | two  | sqlite   |

  Scenario: a plain check holds
    Then the check "plain" fails on sqlite
"""


@MODES
def test_every_backend_run_of_every_row_is_in_the_report(pytester, mode) -> None:
    project = HarnessProject(pytester)
    project.feature("checks/two_backends.feature", ON_TWO_BACKENDS)
    result = run(project, mode, backends="postgres,sqlite")
    result.assert_outcomes(failed=3, passed=3)
    page, cucumber = project.report()
    assert totals(page) == {"failed": 3, "passed": 3, "skipped": 0, "not run": 0}
    cells = matrix(page)
    assert cells["Checks on two backends / Scenario Outline: the check <name> holds"] == {
        "PostgreSQL": "✘ failed",
        "SQLite": "✘ failed",
    }
    assert cells["Checks on two backends / Scenario: a plain check holds"] == {
        "PostgreSQL": "✔ passed",
        "SQLite": "✘ failed",
    }
    [examples] = page.select("table", "examples")
    assert [th.text for th in examples.select("th")] == ["name", "bad", "PostgreSQL", "SQLite"]
    assert [[td.text for td in tr.select("td")] for tr in examples.select("tr")[1:]] == [
        ["one", "postgres", "✘ failed", "✔ passed"],
        ["two", "sqlite", "✔ passed", "✘ failed"],
    ]
    [feature] = cucumber
    assert len(feature["elements"]) == 6
    assert len({element["id"] for element in feature["elements"]}) == 6
    assert sorted(name for _, name, _ in failed_steps(cucumber)) == [
        "a plain check holds",
        "the check one holds",
        "the check two holds",
    ]


# -- features keyed by their full path --------------------------------------------------------
RECALL = """\
Feature: Recall
  Scenario: a fact is recalled
    Then the check "recall" {verdict}
"""

TOP = """\
Feature: A feature straight in features/
  Scenario: a step nobody wrote
    Given a step nobody wrote
"""


@MODES
def test_same_folder_and_file_names_in_two_places_stay_two_features(pytester, mode) -> None:
    project = HarnessProject(pytester)
    project.feature("team_a/memory/recall.feature", RECALL.format(verdict="passes"))
    project.feature("team_b/memory/recall.feature", RECALL.format(verdict="fails"))
    result = run(project, mode)
    result.assert_outcomes(failed=1, passed=1)
    page, cucumber = project.report()
    assert totals(page)["failed"] == 1 and totals(page)["passed"] == 1
    outcomes = {
        section.select("div", "uri")[0].text: section.attrs["data-outcome"]
        for section in page.select("section", "feature")
    }
    assert outcomes == {
        "features/team_a/memory/recall.feature": "passed",
        "features/team_b/memory/recall.feature": "failed",
    }
    assert failed_steps(cucumber) == [
        ("features/team_b/memory/recall.feature", "a fact is recalled", 'the check "recall" fails')
    ]


@MODES
def test_a_feature_straight_in_features_keeps_its_path_and_its_undefined_step(
    pytester, mode
) -> None:
    project = HarnessProject(pytester)
    project.feature("top.feature", TOP)
    result = run(project, mode)
    result.assert_outcomes(failed=1)
    assert "(features/top.feature:3)" in result.output
    assert "Add it to steps/top_steps.py" in result.output
    assert "features_steps" not in result.output and "features/features/" not in result.output
    page, cucumber = project.report()
    assert [d.text for d in page.select("div", "uri")] == ["features/top.feature"]
    assert [f["uri"] for f in cucumber] == ["features/top.feature"]
    # The step failed (it is undefined), not something around it.
    [step] = page.select("li", "step")
    assert step.attrs["data-status"] == "undefined"
    assert "Failed outside the steps" not in page.select("article", "scenario")[0].text
    assert "Add it to steps/top_steps.py" in page.select("pre", "error")[0].text
    [element] = cucumber[0]["elements"]
    assert [s["result"]["status"] for s in element["steps"]] == ["undefined"]
    assert "before" not in element and "after" not in element


# -- a file pytest-bdd cannot read ------------------------------------------------------------
STARS = """\
Feature: Written with stars
  Scenario: a list of checks
    * the check "first" passes
    * the check "second" passes
"""

FINE = """\
Feature: Fine
  Scenario: a check that holds
    Given the check "fine" passes
"""


def unreadable_project(pytester) -> HarnessProject:
    project = HarnessProject(pytester)
    project.feature("broken/stars.feature", STARS)
    project.feature("fine/ok.feature", FINE)
    return project


@MODES
def test_a_run_of_another_file_writes_the_report_with_the_unreadable_one(pytester, mode) -> None:
    project = unreadable_project(pytester)
    result = run(project, mode, paths=("features/fine/ok.feature",))
    result.assert_outcomes(passed=1)
    assert "Traceback" not in result.output
    page, cucumber = project.report()
    sections = {s.select("div", "uri")[0].text: s for s in page.select("section", "feature")}
    broken = sections["features/broken/stars.feature"]
    assert broken.attrs["data-outcome"] == "failed"
    error = broken.select("pre", "unreadable")[0].text
    assert "stars.feature:3: First step in a scenario or background must start with" in error
    assert sections["features/fine/ok.feature"].attrs["data-outcome"] == "passed"
    assert [f["uri"] for f in cucumber] == ["features/fine/ok.feature"]
    assert "failed 1 error" in page.select("div", "totals")[0].text
    assert "stars.feature cannot be read" in (project.path / "reports/steps.html").read_text()


def test_an_unreadable_file_is_one_clear_collection_error(pytester) -> None:
    project = unreadable_project(pytester)
    result = run(project, "serial", "--continue-on-collection-errors")
    result.assert_outcomes(passed=1, error=1)
    # One line that says where and why, not a traceback through the binding whose lines would
    # be shown as the feature file's (line 2 of the binding is not line 2 of the feature).
    assert "\nfeatures/broken/stars.feature:3: First step in a scenario or background must " in (
        result.output
    )
    assert "  Scenario: a list of checks" not in result.output  # line 2 of the feature
    page, _ = project.report()
    assert "Could not collect features/broken/stars.feature" in page.text


def test_the_glossary_lists_the_unreadable_file_and_every_step(pytester) -> None:
    project = unreadable_project(pytester)
    result = project.run("--steps-glossary")
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert "features/broken/stars.feature cannot be read" in result.output
    assert 'the check "{name}" passes' in result.output
    assert 'Given the check "fine" passes  (features/fine/ok.feature:3' in result.output


# -- the Gherkin as written -------------------------------------------------------------------
RULES_AND_EXAMPLES = """\
Feature: Rules and examples

  @slow
  Rule: every check passes
    Each check passes on its own,
    whatever the table it comes from.

    Scenario Outline: the check <name> passes
      Then the check "<name>" <verdict>

      @slow
      Examples: small ones
        | name | verdict |
        | a    | passes  |

      Examples: large ones
        The large ones are the same.
        | name | verdict |
        | b    | fails   |
"""


def test_several_examples_tables_and_rules_keep_their_names_tags_and_descriptions(
    pytester,
) -> None:
    project = HarnessProject(pytester)
    project.feature("rules/examples.feature", RULES_AND_EXAMPLES)
    result = run(project, "serial")
    result.assert_outcomes(passed=1, failed=1)
    page, cucumber = project.report()
    [rule] = page.select("h3", "rule")
    assert rule.text == "Rule: every check passes"
    article = page.select("section", "feature")[0]
    assert "Each check passes on its own, whatever the table it comes from." in article.text
    blocks = page.select("div", "examples-block")
    assert [b.select("h4")[0].text for b in blocks] == [
        "Examples: small ones",
        "Examples: large ones",
    ]
    assert [t.text for t in blocks[0].select("span", "tag")] == ["@slow"]
    assert blocks[1].select("span", "tag") == []
    assert "The large ones are the same." in blocks[1].text
    outcomes = [[tr.attrs["data-outcome"] for tr in b.select("tr")[1:]] for b in blocks]
    assert outcomes == [["passed"], ["failed"]]
    tags = {e["name"]: [t["name"] for t in e["tags"]] for e in cucumber[0]["elements"]}
    assert tags == {"the check a passes": ["@slow"], "the check b passes": ["@slow"]}


CELLS = """\
Feature: Cells as written
  Scenario: a poem in a table
    Given the check "poem" passes
      |  \\nraindrops--\\nher last kiss\\ngoodbye.\\n  |
      |        lost        i n        space        |
"""


def test_table_cells_keep_newlines_and_runs_of_spaces(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("cells/poem.feature", CELLS)
    run(project, "serial").assert_outcomes(passed=1)
    page, cucumber = project.report()
    cells = ["".join(td.content) for td in page.select("table", "datatable")[0].select("td")]
    assert cells == ["\nraindrops--\nher last kiss\ngoodbye.\n", "lost        i n        space"]
    css = page.select("style")[0].text
    assert re.search(r"\btd \{[^}]*white-space: pre-wrap", css), "cells are shown as written"
    rows = cucumber[0]["elements"][0]["steps"][0]["rows"]
    assert rows[1]["cells"] == ["lost        i n        space"]


NON_LATIN = """\
Feature: Проверки {n}
  Scenario: Сценарий {n}
    Then the check "{n}" {verdict}
"""


def test_non_latin_names_get_unique_anchors_and_a_failure_links_to_itself(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("ru/one.feature", NON_LATIN.format(n="один", verdict="passes"))
    project.feature("ru/two.feature", NON_LATIN.format(n="два", verdict="fails"))
    project.feature(
        "emoji/ok.feature", 'Feature: 🙈\n  Scenario: 💃\n    Then the check "x" passes\n'
    )
    run(project, "serial").assert_outcomes(passed=2, failed=1)
    page, _ = project.report()
    ids = [e.attrs["id"] for e in page.iter() if "id" in e.attrs]
    assert all(i and not i.endswith("-") and i[-2:] != "--" for i in ids)
    assert len(ids) == len(set(ids)), ids
    targets = {e.attrs["id"]: e for e in page.iter() if "id" in e.attrs}
    for row in page.select("tr", "rule-line"):
        link = row.select("a")[0].attrs["href"].removeprefix("#")
        outcome = row.select("td")[1].text.split()[-1]
        assert targets[link].attrs["data-outcome"] == outcome
    [failed] = [td for line in page.select("tr", "rule-line") for td in line.select("td", "failed")]
    [step] = [targets[a.attrs["href"].removeprefix("#")] for a in failed.select("a")]
    assert step.tag == "li" and step.attrs["data-status"] == "failed"
    assert step.text == '✘Then the check "два" fails'


FRENCH = """\
# language: fr
Fonctionnalité: Vérifications
  Scénario: une vérification
    Soit the check "un" passes
    Lorsqu'the check "deux" passes
    Et the check "trois" passes
    Alors the check "quatre" passes
"""


def test_keywords_are_written_as_the_language_writes_them(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("fr/verifications.feature", FRENCH)
    run(project, "serial").assert_outcomes(passed=1)
    page, cucumber = project.report()
    assert [li.text for li in page.select("li", "step")] == [
        '✔Soit the check "un" passes',
        '✔Lorsqu\'the check "deux" passes',
        '✔Et the check "trois" passes',
        '✔Alors the check "quatre" passes',
    ]
    keywords = [s["keyword"] for s in cucumber[0]["elements"][0]["steps"]]
    assert keywords == ["Soit ", "Lorsqu'", "Et ", "Alors "]
    glossary = project.run("--steps-glossary").output
    assert 'example    Soit the check "un" passes  (features/fr/verifications.feature:4' in (
        glossary
    )
    assert "Given the check" not in glossary
