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
        "Rule: bad input changes nothing",  # failed: on top
        "Rule: a stored fact can be read back",
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


# -- the page for a product owner: one line per rule, failures first and linked -----------------
EXPIRY = """\
@backends:postgres,sqlite
Feature: Expiry
  Facts are forgotten when their time is up.

  Rule: a fact with no time lives on

    Scenario: a fact with no time is kept
      Then the fact is kept

  Rule: a fact lives as long as it was given
    Nothing an agent stores outlives the time it was given;
    a fact read before its time is up is found whole.

    Scenario: a fact with time left is found
      Given an agent with a memory
      Then the fact is found

    Scenario Outline: a fact kept for <seconds> seconds has <left> left
      Given an agent with a memory
      Then the fact "<key>" has <left> left

      Examples:
        | seconds | left | key       |
        | 30      | 29   | aqe/lease |
        | 60      | 59   | aqe/job   |
"""


FOUND = (
    'AssertionError: expected 31 to 35 s left for "aqe/lease", found 29.98\n'
    "assert 31.0 <= 29.98\n"
    " +  where 29.98 = ttl('aqe/lease')"
)


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(EXPIRY.splitlines(), 1) if text in line)


def expiry_report(tmp_path):
    """Expiry ran on PostgreSQL and SQLite; one Examples row failed on SQLite; another feature
    did not run at all; the rule without time did not run on SQLite."""
    features = tmp_path / "features"
    (features / "memory").mkdir(parents=True)
    path = features / "memory" / "expiry.feature"
    path.write_text(EXPIRY)
    (features / "queues").mkdir()
    (features / "queues" / "order.feature").write_text(
        "Feature: Queues\n  Scenario: first in, first out\n    Then the queue keeps order\n"
    )
    ok = {"status": "passed", "duration": 0.01}
    outline = "a fact kept for <seconds> seconds has <left> left"
    examples = line_of("Examples:")
    results = []
    for backend in ("postgres", "sqlite"):
        kept = payload(path, "a fact with no time is kept", line_of("no time is kept"), {"0": ok})
        found = payload(path, "a fact with time left is found", line_of("left is found"), {})
        found["steps"] = {"0": ok, "1": ok}
        for run in (found, *([kept] if backend == "postgres" else [])):
            run.update(
                backend=backend, backends=[backend], feature="features/memory/expiry.feature"
            )
            results.append(Result(f"t::{run['scenario']}[{backend}]", payload=run))
        for row, values in enumerate(
            (
                {"seconds": "30", "left": "29", "key": "aqe/lease"},
                {"seconds": "60", "left": "59", "key": "aqe/job"},
            )
        ):
            run = payload(path, outline, line_of("Scenario Outline"), {"0": ok, "1": ok})
            run.update(
                backend=backend,
                backends=[backend],
                example=values,
                table=examples,
                row=row,
                feature="features/memory/expiry.feature",
            )
            failed = backend == "sqlite" and row == 0
            if failed:
                run["steps"] = {
                    "0": ok,
                    "1": {
                        "status": "failed",
                        "duration": 0.0,
                        "error": FOUND,
                    },
                }
            results.append(
                Result(
                    f"t::outline[{backend}-{row}]",
                    outcome="failed" if failed else "passed",
                    message=FOUND if failed else "",
                    details=f"steps/memory_steps.py:12: in the_fact_has\nE   {FOUND}"
                    if failed
                    else "",
                    payload=run,
                )
            )
    return build_report(features, results, wall_seconds=1.0, root=tmp_path)


def test_each_rule_is_one_line_with_its_result_per_backend_failures_first(tmp_path) -> None:
    page = parse_html(living_docs_render.render(expiry_report(tmp_path)))
    lines = {
        line.select("td")[0].text: [td.text for td in line.select("td")[1:]]
        for line in page.select("tr", "rule-line")
    }
    assert list(lines) == [
        "Rule: a fact lives as long as it was given",  # failed on SQLite: on top
        "Rule: a fact with no time lives on",
    ]
    assert lines["Rule: a fact lives as long as it was given"] == ["✔ passed", "✘ failed"]
    assert lines["Rule: a fact with no time lives on"] == ["✔ passed", "· not run"]
    matrix = page.select("table", "matrix")[0]
    assert [th.text for th in matrix.select("th", "backend")] == ["PostgreSQL", "SQLite"]
    # Each rule's text once, its scenarios under it.
    assert [h.text for h in page.select("h3", "rule")] == list(lines)
    assert page.text.count("is found whole") == 1
    [given] = [r for r in page.select("section", "rule") if "as it was given" in r.text]
    assert len(given.select("article", "scenario")) == 2


def test_a_failed_cell_links_to_the_failing_step_with_its_message_and_traceback(tmp_path) -> None:
    page = parse_html(living_docs_render.render(expiry_report(tmp_path)))
    ids = {e.attrs["id"]: e for e in page.iter() if "id" in e.attrs}
    [cell] = [td for line in page.select("tr", "rule-line") for td in line.select("td", "failed")]
    step = ids[cell.select("a")[0].attrs["href"].removeprefix("#")]
    assert step.attrs["data-status"] == "failed"
    assert step.text == '✘Then the fact "aqe/lease" has 29 left'  # the row's values, on SQLite
    [error] = [li for li in page.select("li", "step-error")]
    # The step's words; Python's name and pytest's explanation only in the traceback.
    assert (
        error.select("pre", "error")[0].text
        == 'expected 31 to 35 s left for "aqe/lease", found 29.98'
    )

    [folded] = error.select("details", "traceback")
    assert folded.select("summary")[0].text == "Full traceback"
    assert "+ where 29.98 = ttl('aqe/lease')" in folded.select("pre")[0].text
    runs = [d.select("summary")[0].text for d in page.select("details", "run")]
    assert "a fact kept for 30 seconds has 29 left on SQLite ✘ failed 0 ms" in runs


def test_features_that_did_not_run_are_counted_not_shown(tmp_path) -> None:
    page = parse_html(living_docs_render.render(expiry_report(tmp_path)))
    assert [s.select("div", "uri")[0].text for s in page.select("section", "feature")] == [
        "features/memory/expiry.feature"
    ]
    assert "1 feature not run in this session" in page.select("header")[0].text
    assert "not run" not in page.select("div", "totals")[0].text.replace("not run 1", "")


def test_the_page_is_one_file_its_filters_read_each_line(tmp_path) -> None:
    page = parse_html(living_docs_render.render(expiry_report(tmp_path)))
    [script] = page.select("script")
    assert "src" not in script.attrs and "getElementById" in script.text
    outside = [e for e in page.iter() if any("//" in e.attrs.get(a, "") for a in ("src", "href"))]
    assert outside == []
    [given] = [line for line in page.select("tr", "rule-line") if "as it was given" in line.text]
    assert given.attrs["data-results"] == "postgres:passed sqlite:failed"
    assert "aqe/lease" in given.attrs["data-search"]  # an Examples value finds its rule
    assert [o.attrs["value"] for o in page.select("select")[1].select("option")] == [
        "",
        "backends:postgres,sqlite",
    ]
