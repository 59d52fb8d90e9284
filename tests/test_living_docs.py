"""The living-documentation report, serially and under pytest-xdist, as HTML and Cucumber JSON."""

from __future__ import annotations

import json

import pytest
from spec_project import HarnessProject, parse_html

DEMO = """\
Feature: The report shows every outcome
  A feature made up for the report's tests: one rule holds, one is broken, one is still
  being written, and one is checked on every backend.

  @sqlite
  Scenario: a recorded fact is found
    Given the check "recorded" passes
    When the check "found" passes
    Then the check "kept" passes

  @sqlite
  Scenario: a fact nobody recorded is found
    Given the check "recorded" passes
    When the check "found" passes
    Then the check "the sea is dry" fails
    And the check "kept" passes

  @wip
  Scenario: a rule still being written
    Given the check "anything at all" passes

  @backends:postgres,sqlite,redis
  Scenario: every backend keeps scenarios apart
    Given the check "apart" passes
    Then the check "still apart" passes
"""

FAILING_STEP = 'the check "the sea is dry" fails'


def make_report(spec_project: HarnessProject, *args: str):
    spec_project.feature("demo/report.feature", DEMO)
    result = spec_project.run("--living-docs=reports", "-rs", *args)
    outcomes = result.outcomes()
    outcomes.pop("deselected", None)  # xdist's controller does not count workers' deselections
    assert outcomes == {"passed": 2, "failed": 1, "skipped": 1}, result.output[-6000:]
    return result


def scenario(page, title_part: str):
    found = [
        a
        for a in page.select("article", "scenario")
        if title_part in a.select("span", "name")[0].text
    ]
    assert len(found) == 1, f"one scenario titled {title_part!r}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module", params=["serial", "xdist"])
def report_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One report per mode, read by every test below."""
    project = HarnessProject(tmp_path_factory.mktemp(f"report-{request.param}"))
    args = ("-n", "2") if request.param == "xdist" else ()
    return make_report(project, *args), project.path / "reports"


def test_page_shows_the_failing_step_in_red_with_its_message(report_run) -> None:
    result, reports = report_run
    page = parse_html((reports / "index.html").read_text())
    broken = scenario(page, "a fact nobody recorded is found")
    assert broken.attrs["data-outcome"] == "failed"
    statuses = [(li.text, li.attrs["data-status"]) for li in broken.select("li", "step")]
    assert statuses == [
        ('✔Given the check "recorded" passes', "passed"),
        ('✔When the check "found" passes', "passed"),
        (f"✘Then {FAILING_STEP}", "failed"),
        ('↷And the check "kept" passes', "skipped"),
    ]
    [error] = broken.select("pre", "error")
    assert error.text == "the check 'the sea is dry' failed"  # Python's words are folded away
    assert "AssertionError" in broken.select("details", "traceback")[0].text
    assert "the sea is dry" in error.text
    assert "living documentation:" in result.output


def test_the_terminal_shows_the_failed_scenario_with_its_failing_step(report_run) -> None:
    result, _ = report_run
    assert "features/demo/report.feature:12  Scenario: a fact nobody recorded is found" in (
        result.output
    )
    assert f"✘ Then {FAILING_STEP}   <- failed (line 15)" in result.output
    assert '↷ And the check "kept" passes' in result.output


def test_page_shows_a_skipped_scenario_with_its_reason(report_run) -> None:
    _, reports = report_run
    page = parse_html((reports / "index.html").read_text())
    wip = scenario(page, "a rule still being written")
    assert wip.attrs["data-outcome"] == "skipped"
    assert "Skipped: @wip: work in progress" in wip.text
    assert "@wip" in wip.select("div", "tags")[0].text


def test_page_shows_passing_scenarios_and_outline_rows_per_backend(report_run) -> None:
    _, reports = report_run
    page = parse_html((reports / "index.html").read_text())
    assert scenario(page, "a recorded fact is found").attrs["data-outcome"] == "passed"
    matrix = {
        row.select("td")[0].text: [td.text for td in row.select("td")[1:]]
        for row in page.select("tr", "rule-line")
    }
    assert matrix["Scenario: a recorded fact is found"] == ["", "✔ passed", "", ""]  # on SQLite
    assert matrix["Scenario: a fact nobody recorded is found"] == ["", "✘ failed", "", ""]
    apart = "every backend keeps scenarios apart"
    assert matrix[f"Scenario: {apart}"] == ["· not run", "✔ passed", "· not run", ""]
    runs = [run.attrs["data-outcome"] for run in scenario(page, apart).select("details", "run")]
    assert runs == ["not run", "passed", "not run"]  # --backends=sqlite deselects the others
    backends = [th.text for th in page.select("th", "backend")]
    assert backends == ["PostgreSQL", "SQLite", "Redis", "no backend"]  # the @wip one: none
    [feature] = page.select("section", "feature")
    assert "one is still being written" in feature.select("div", "description")[0].text
    totals = page.select("div", "totals")[0].text
    assert "failed 1" in totals and "passed 2" in totals and "skipped 1" in totals
    assert page.select("a", href="steps.html"), "the page links to the step glossary"
    assert 'the check "{name}" passes' in parse_html((reports / "steps.html").read_text()).text


def test_cucumber_json_has_every_scenario_that_ran(report_run) -> None:
    _, reports = report_run
    features = json.loads((reports / "cucumber.json").read_text())
    [feature] = features
    assert feature["name"] == "The report shows every outcome"
    assert feature["uri"] == "features/demo/report.feature"
    elements = {e["name"]: e for e in feature["elements"]}
    assert set(elements) == {
        "a recorded fact is found",
        "a fact nobody recorded is found",
        "a rule still being written",
        "every backend keeps scenarios apart",
    }
    broken = [s["result"] for s in elements["a fact nobody recorded is found"]["steps"]]
    assert [r["status"] for r in broken] == ["passed", "passed", "failed", "skipped"]
    assert "the sea is dry" in broken[2]["error_message"]
    wip = elements["a rule still being written"]
    assert {s["result"]["status"] for s in wip["steps"]} == {"skipped"}
    assert {"name": "@wip", "line": wip["line"] - 1} in wip["tags"]
    for element in feature["elements"]:
        assert element["type"] == "scenario"
        for step in element["steps"]:
            assert step["keyword"].endswith(" ")
            assert isinstance(step["result"]["duration"], int)


def test_a_scenario_that_needs_no_backend_counts_under_any(pytester) -> None:
    spec_project = HarnessProject(pytester)
    spec_project.feature(
        "demo/missing.feature",
        "Feature: Nothing\n\n  Scenario: a step nobody wrote\n    Given a step nobody wrote\n",
    )
    result = spec_project.run("--living-docs=reports")
    result.assert_outcomes(failed=1)
    page = parse_html((spec_project.path / "reports" / "index.html").read_text())
    [step] = page.select("li", "step")
    assert step.attrs["data-status"] == "undefined"
    assert "Step definition is not found" in page.select("pre", "error")[0].text
    assert [th.text for th in page.select("th", "backend")] == ["no backend"]
