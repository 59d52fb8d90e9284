"""Tags become pytest markers: @wip is skipped with its reason, -m "not slow" is the fast lane."""

from __future__ import annotations

from spec_project import HarnessProject, repo_markers

TAGGED = """\
Feature: Tags select scenarios
  Scenario: a quick rule
    Given the check "quick" passes

  @slow
  Scenario: a slow rule
    Given the check "slow" passes

  @wip
  Scenario: a rule still being written
    Given the check "nothing yet" fails
"""

ON_EVERY_BACKEND = """\
@backends:postgres,sqlite,redis
Feature: Backends select scenarios
  Scenario: every backend keeps a fact
    Given the check "kept" passes
"""


def project(pytester) -> HarnessProject:
    spec = HarnessProject(pytester)
    spec.feature("tags/tags.feature", TAGGED)
    return spec


def test_every_tag_the_design_names_is_a_registered_marker() -> None:
    registered = {line.partition(":")[0] for line in repo_markers()}
    assert {"postgres", "sqlite", "redis", "slow", "wip"} <= registered


def test_wip_scenarios_are_skipped_with_the_reason(pytester) -> None:
    result = project(pytester).run("-rs")
    result.assert_outcomes(passed=2, skipped=1)
    assert "@wip: work in progress" in result.output


def test_not_slow_is_the_fast_lane(pytester) -> None:
    result = project(pytester).run("-m", "not slow", "-v")
    result.assert_outcomes(passed=1, skipped=1, deselected=1)
    assert "test_a_quick_rule PASSED" in result.output
    assert "test_a_slow_rule" not in result.output


def test_only_slow(pytester) -> None:
    result = project(pytester).run("-m", "slow")
    result.assert_outcomes(passed=1, deselected=2)


def test_an_unregistered_tag_is_an_error(pytester) -> None:
    spec = HarnessProject(pytester)
    spec.feature("tags/typo.feature", TAGGED.replace("@slow", "@slwo"))
    result = spec.run()
    assert result.returncode != 0
    assert "typo.feature:5: unknown tag @slwo (did you mean @slow?)" in result.output


def test_a_feature_file_name_selects_its_scenarios(pytester) -> None:
    spec = project(pytester)
    spec.feature("other/unrelated.feature", TAGGED.replace("Feature: Tags", "Feature: Other"))
    result = spec.run("-k", "tags and not slow", "-rs")
    result.assert_outcomes(passed=1, skipped=1, deselected=4)


def test_a_backends_tag_run_is_marked_for_m(pytester) -> None:
    spec = HarnessProject(pytester)
    spec.feature("backends/every.feature", ON_EVERY_BACKEND)
    result = spec.run("-m", "sqlite", "-v", backends="postgres,sqlite,redis")
    result.assert_outcomes(passed=1, deselected=2)
    assert "test_every_backend_keeps_a_fact[sqlite] PASSED" in result.output
