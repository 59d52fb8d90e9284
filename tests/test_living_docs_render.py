"""Rendering the report model, without running pytest: rules, backgrounds, step arguments."""

from __future__ import annotations

from spec_project import parse_html

from harness.reporting import living_docs_cucumber, living_docs_render
from harness.reporting.living_docs_model import Result, build_report

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


def payload(scenario: str, steps: dict[str, dict]) -> dict:
    return {
        "feature": "memory/notes.feature",
        "scenario": scenario,
        "example": {},
        "example_index": None,
        "backends": ["sqlite"],
        "steps": steps,
    }


def report(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "notes.feature").write_text(FEATURE)
    passed = {"status": "passed", "duration": 0.01}
    results = [
        Result(
            "t::recall",
            duration=0.5,
            payload=payload("an agent recalls a note", {"0": passed, "1": passed, "2": passed}),
        ),
        Result(
            "t::empty",
            outcome="failed",
            phase="setup",
            message="BackendUnavailable: sqlite:///x is not reachable",
            payload=payload("an empty key is refused", {}),
        ),
    ]
    return build_report(tmp_path, results, wall_seconds=1.0)


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
