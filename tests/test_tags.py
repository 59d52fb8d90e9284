"""Tags become pytest markers: @wip is skipped with its reason, -m "not slow" is the fast lane."""

from __future__ import annotations

from spec_project import SpecProject, repo_markers

TAGGED = """\
Feature: Tags select scenarios
  Scenario: a quick rule
    Given a scenario working on SQLite
    When the first scenario records the fact "quick"
    Then the first scenario finds "quick"

  @slow
  Scenario: a slow rule
    Given a scenario working on SQLite
    When the first scenario records the fact "slow"
    Then the first scenario finds "slow"

  @wip
  Scenario: a rule still being written
    Given a scenario working on SQLite
    Then the first scenario finds "nothing yet"
"""

OUTLINE = """\
Feature: Backends select scenarios
  Scenario Outline: <backend> keeps a fact
    Given a scenario working on <backend>
    When the first scenario records the fact "kept"
    Then the first scenario finds "kept"

    Examples:
      | backend  |
      | Postgres |
      | SQLite   |
      | Redis    |
"""


def project(tmp_path) -> SpecProject:
    spec = SpecProject(tmp_path)
    spec.feature("tags/tags.feature", TAGGED)
    return spec


def test_every_tag_the_design_names_is_a_registered_marker() -> None:
    registered = {line.partition(":")[0] for line in repo_markers()}
    assert {"postgres", "sqlite", "redis", "slow", "wip"} <= registered


def test_wip_scenarios_are_skipped_with_the_reason(tmp_path) -> None:
    result = project(tmp_path).run("-rs")
    result.assert_outcomes(passed=2, skipped=1)
    assert "@wip: work in progress" in result.output


def test_not_slow_is_the_fast_lane(tmp_path) -> None:
    result = project(tmp_path).run("-m", "not slow", "-v")
    result.assert_outcomes(passed=1, skipped=1, deselected=1)
    assert "test_a_quick_rule PASSED" in result.output
    assert "test_a_slow_rule" not in result.output


def test_only_slow(tmp_path) -> None:
    result = project(tmp_path).run("-m", "slow")
    result.assert_outcomes(passed=1, deselected=2)


def test_an_unregistered_tag_is_an_error(tmp_path) -> None:
    spec = SpecProject(tmp_path)
    spec.feature("tags/typo.feature", TAGGED.replace("@slow", "@slwo"))
    result = spec.run()
    assert result.returncode != 0
    assert "'slwo' not found in `markers` configuration option" in result.output


def test_a_feature_file_name_selects_its_scenarios(tmp_path) -> None:
    spec = project(tmp_path)
    spec.feature("other/unrelated.feature", TAGGED.replace("Feature: Tags", "Feature: Other"))
    result = spec.run("-k", "tags and not slow", "-rs")
    result.assert_outcomes(passed=1, skipped=1, deselected=4)


def test_an_examples_backend_column_is_a_marker_for_m(tmp_path) -> None:
    spec = SpecProject(tmp_path)
    spec.feature("backends/outline.feature", OUTLINE)
    result = spec.run("-m", "sqlite", "-v", backends="postgres,sqlite,redis")
    result.assert_outcomes(passed=1, deselected=2)
    assert "test_backend_keeps_a_fact[SQLite] PASSED" in result.output
