"""A wrong tag stops only its own file, in one message with file:line, the tags there are and
the closest one; the other feature files still run, and no traceback is printed."""

from __future__ import annotations

from spec_project import HarnessProject

TYPO = """\
Feature: Tags select scenarios
  Scenario: a quick rule
    Given the check "quick" passes

  @slwo
  Scenario: a slow rule
    Given the check "slow" passes
"""

BAD_BACKEND = """\
@backends:postgress,sqlite
Feature: Backends select scenarios
  Scenario: every backend keeps a fact
    Given the check "kept" passes
"""

FINE = """\
Feature: Other rules
  Scenario: an unrelated rule
    Given the check "fine" passes
"""


def test_an_unknown_tag_stops_only_its_file_and_says_where_and_what(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("tags/typo.feature", TYPO)
    project.feature("other/fine.feature", FINE)
    result = project.run("-m", "slow")
    result.assert_outcomes(failed=1, deselected=2)
    out = result.output
    assert "features/tags/typo.feature:5: unknown tag @slwo (did you mean @slow?); " in out
    assert "the tags are @postgres, @sqlite, @redis, @redis_cluster, @slow, @wip" in out
    assert "Traceback" not in out and "not found in `markers`" not in out
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)


def test_an_unknown_backend_in_a_tag_says_where_and_the_closest_backend(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("backends/every.feature", BAD_BACKEND)
    project.feature("other/fine.feature", FINE)
    result = project.run(backends="postgres,sqlite")
    result.assert_outcomes(passed=1, failed=1)
    out = result.output
    assert "features/backends/every.feature:1: @backends:postgress,sqlite: unknown backend" in out
    assert "(did you mean postgres?)" in out
    assert "pluggy/_" not in out and "Traceback" not in out
