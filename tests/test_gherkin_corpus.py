"""The official Gherkin corpus (tests/data/gherkin_good) through the harness and its report.

What pytest-bdd can read collects and runs, every run shows in the HTML and cucumber.json;
what it cannot read is a collection error and an error in the report, never a crash.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_project import CATCH_ALL_STEPS, HarnessProject

CORPUS = Path(__file__).parent / "data" / "gherkin_good"

RUNS = {  # file: scenario runs pytest-bdd makes of it (an Outline: one per Examples row)
    "background": 2,
    "datatables": 1,
    "datatables_with_new_lines": 1,
    "descriptions": 8,
    "docstrings": 1,
    "escaped_pipes": 1,
    "i18n_emoji": 1,
    "i18n_fr": 11,
    "i18n_no": 1,
    "incomplete_feature_1": 0,  # a Feature without scenarios: nothing to run, nothing wrong
    "incomplete_feature_2": 0,
    "rule": 2,
    "rule_with_tag": 4,
    "scenario_outlines_with_tags": 1,  # two Outlines named "": pytest-bdd keeps the last
    "several_examples": 3,
    "spaces_in_language": 0,
    "tags": 6,
}
UNREADABLE = {  # file: what pytest-bdd says
    "incomplete_background_1": "must start with 'Given', 'When' or 'Then', but got *",
    "incomplete_background_2": "must start with 'Given', 'When' or 'Then', but got *",
    "incomplete_feature_3": "KeyError: 'feature'",  # a comment and nothing else
    "incomplete_scenario": "must start with 'Given', 'When' or 'Then', but got *",
    "incomplete_scenario_outline": "must start with 'Given', 'When' or 'Then', but got *",
    "star-keywords": "must start with 'Given', 'When' or 'Then', but got *",
}


def test_the_corpus_is_what_the_test_expects() -> None:
    assert {p.stem for p in CORPUS.glob("*.feature")} == set(RUNS) | set(UNREADABLE)


@pytest.mark.parametrize("mode", ["serial", pytest.param("xdist", marks=pytest.mark.slow)])
def test_the_corpus_runs_and_every_run_and_error_is_in_the_report(pytester, mode) -> None:
    project = HarnessProject(
        pytester, steps={"catch_all_steps": CATCH_ALL_STEPS}, strict_markers=False
    )
    for path in sorted(CORPUS.glob("*.feature")):
        project.feature(path.name, path.read_text(encoding="utf-8"))
    extra = ("-n", "2") if mode == "xdist" else ()
    result = project.run(
        "--living-docs=reports", "--continue-on-collection-errors", "-W", "ignore", *extra
    )
    result.assert_outcomes(passed=sum(RUNS.values()), error=len(UNREADABLE))
    for name in UNREADABLE:
        assert f"ERROR features/{name}.feature" in result.output

    page, cucumber = project.report()
    sections = {s.select("div", "uri")[0].text: s for s in page.select("section", "feature")}
    ran = {name for name, runs in RUNS.items() if runs}
    assert set(sections) == {f"features/{name}.feature" for name in {*ran, *UNREADABLE}}
    # A feature with nothing to run is counted, not shown: nothing of it ran in this session.
    not_run = len(RUNS) - len(ran)
    assert f"{not_run} features not run in this session" in page.select("header")[0].text
    for name, why in UNREADABLE.items():
        section = sections[f"features/{name}.feature"]
        assert section.attrs["data-outcome"] == "failed"
        assert why in section.select("pre", "unreadable")[0].text
    for name in ran:
        assert not sections[f"features/{name}.feature"].select("pre", "unreadable"), name
    header = page.select("div", "totals")[0].text
    assert f"passed {sum(RUNS.values())}" in header and "failed 0" in header
    assert f"failed {len(UNREADABLE)} errors" in header  # files that run nothing still count

    runs = {feature["uri"]: len(feature["elements"]) for feature in cucumber}
    assert runs == {f"features/{name}.feature": n for name, n in RUNS.items() if n}
    statuses = {
        step["result"]["status"]
        for feature in cucumber
        for element in feature["elements"]
        for step in element["steps"]
    }
    assert statuses == {"passed"}

    # What the corpus is there to show: the Gherkin as written.
    hidden = sections["features/scenario_outlines_with_tags.feature"].select("p", "hidden")
    assert "hidden by the scenario of the same name on line 12" in hidden[0].text
    french = [li.text for li in sections["features/i18n_fr.feature"].select("li", "step")]
    assert "✔Lorsqu'on m'offre 1 gâteau" in french
    several = sections["features/several_examples.feature"].select("div", "examples-block")
    assert [[t.text for t in block.select("span", "tag")] for block in several] == [
        ["@foo"],
        ["@bar"],
    ]
    rule = sections["features/rule_with_tag.feature"]
    assert "The tagged rule description" in rule.text
    assert "@tag_rule" in [t.text for t in rule.select("span", "tag")]
    poem = sections["features/datatables_with_new_lines.feature"].select("td")
    assert "".join(poem[0].content) == "\nraindrops--\nher last kiss\ngoodbye.\n"
