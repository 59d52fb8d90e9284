"""Rendering the report model, without running pytest: rules, backgrounds, step arguments."""

from __future__ import annotations

from spec_project import parse_html

from harness.reporting import living_docs_cucumber, living_docs_render
from harness.reporting.living_docs_model import Result
from harness.reporting.living_docs_results import build_report

FEATURE = '''\
Feature: Memory
  Agents share what they learn.

  Background:
    Given a scenario working on SQLite

  Rule: a stored fact can be read back

    Scenario: an agent recalls a note
      When an agent stores the note
        """
        the sky is green
        """
      Then the store holds
        | key      | value            |
        | aqe/note | the sky is green |

  Rule: bad input changes nothing

    Scenario: an empty key is refused
      When an agent stores under an empty key
      Then nothing is stored
'''


def payload(path, scenario: str, line: int, steps: dict[str, dict]) -> dict:
    """What a worker sends for one run (living_docs.scenario_payload)."""
    return {
        "path": str(path),
        "feature": "features/memory/notes.feature",
        "scenario": scenario,
        "line": line,
        "example": {},
        "table": None,
        "row": None,
        "backend": None,
        "backends": ["sqlite"],
        "steps": steps,
    }


def report(tmp_path):
    features = tmp_path / "features"
    (features / "memory").mkdir(parents=True)
    path = features / "memory" / "notes.feature"
    path.write_text(FEATURE)
    passed = {"status": "passed", "duration": 0.01}
    results = [
        Result(
            "t::recall",
            duration=0.5,
            payload=payload(
                path, "an agent recalls a note", 9, {"0": passed, "1": passed, "2": passed}
            ),
        ),
        Result(
            "t::empty",
            outcome="failed",
            phase="setup",
            message="BackendUnavailable: sqlite:///x is not reachable",
            payload=payload(path, "an empty key is refused", 20, {}),
        ),
    ]
    return build_report(features, results, wall_seconds=1.0)


def test_rules_backgrounds_and_step_arguments_are_shown(tmp_path) -> None:
    page = parse_html(living_docs_render.render(report(tmp_path)))
    assert [h.text for h in page.select("h3", "rule")] == [
        "Rule: a stored fact can be read back",
        "Rule: bad input changes nothing",
    ]
    assert page.select("li", "background"), "background steps are marked"
    assert page.select("pre", "docstring")[0].text == "the sky is green"
    cells = [td.text for td in page.select("table", "datatable")[0].select("td")]
    assert cells == ["key", "value", "aqe/note", "the sky is green"]


def test_a_failure_outside_the_steps_is_explained(tmp_path) -> None:
    page = parse_html(living_docs_render.render(report(tmp_path)))
    [refused] = [a for a in page.select("article") if "empty key" in a.text]
    assert refused.attrs["data-outcome"] == "failed"
    assert "Failed outside the steps (in setup)" in refused.text
    assert "BackendUnavailable" in refused.select("pre", "error")[0].text
    assert {li.attrs["data-status"] for li in refused.select("li", "step")} == {"skipped"}


def test_cucumber_json_carries_step_arguments_and_hook_failures(tmp_path) -> None:
    [feature] = living_docs_cucumber.render(report(tmp_path))
    recall, refused = feature["elements"]
    when, then = recall["steps"][1:]
    assert when["doc_string"]["value"] == "the sky is green"
    assert then["rows"][1] == {"cells": ["aqe/note", "the sky is green"]}
    assert refused["before"][0]["result"]["status"] == "failed"
    assert "BackendUnavailable" in refused["before"][0]["result"]["error_message"]


def test_a_result_no_row_matches_is_kept_as_a_row_of_its_own(tmp_path) -> None:
    features = tmp_path / "features"
    (features / "memory").mkdir(parents=True)
    path = features / "memory" / "notes.feature"
    path.write_text(FEATURE)
    passed = {"status": "passed", "duration": 0.01}
    first = payload(path, "an agent recalls a note", 9, {"0": passed})
    stray = {**first, "table": 99, "row": 0}  # an Examples table the file does not have
    gone = {**first, "path": str(tmp_path / "moved.feature"), "feature": "features/moved.feature"}
    results = [
        Result("t::recall", payload=first),
        Result("t::stray", outcome="failed", message="AssertionError: stray", payload=stray),
        Result("t::gone", outcome="failed", message="AssertionError: gone", payload=gone),
    ]
    built = build_report(features, results)
    assert built.totals()["failed"] == 2
    [recall] = [s for s in built.features[0].scenarios if s.line == 9]
    assert [(r.outcome, r.unplaced) for r in recall.rows] == [("passed", False), ("failed", True)]
    assert built.features[-1].uri == "features/moved.feature"
    page = parse_html(living_docs_render.render(built))
    assert "not matched to a row of the file" in page.text
    elements = [e for f in living_docs_cucumber.render(built) for e in f["elements"]]
    assert len(elements) == 3
