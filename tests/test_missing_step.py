"""A feature that uses a step nobody defined fails with the step and the Python to add."""

from __future__ import annotations

from spec_project import HarnessProject

from harness.reporting.missing_step import suggested_code, suggested_parser

UNDEFINED = """\
Feature: Agents remember
  Scenario: an agent recalls a fact it stored
    Given the check "ready" passes
    And an agent named "Ada" with 3 tasks
    Then the check "anything" passes
"""

WRONG_KEYWORD = """\
Feature: Agents remember
  Scenario: a Then step used as a Given
    Given the check "ready" passes
    When the outcome "the sky is green" is seen
"""


def test_an_undefined_step_fails_naming_it_and_suggesting_python(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("memory/recall.feature", UNDEFINED)
    result = project.run()
    result.assert_outcomes(failed=1)
    out = result.output
    assert 'Step definition is not found: Given "an agent named "Ada" with 3 tasks"' in out
    assert (
        'in scenario "an agent recalls a fact it stored" (features/memory/recall.feature:4)' in out
    )
    assert "Add it to steps/memory_steps.py" in out
    assert "@given(parsers.parse('an agent named \"{text1}\" with {number1:d} tasks'))" in out
    assert "def _(text1: str, number1: int) -> None:" in out
    assert "raise NotImplementedError" in out
    assert "Traceback" not in out  # the message is the whole story


def test_a_step_used_under_the_wrong_keyword_says_so(pytester) -> None:
    project = HarnessProject(pytester)
    project.feature("platform/keywords.feature", WRONG_KEYWORD)
    result = project.run()
    result.assert_outcomes(failed=1)
    assert 'Step definition is not found: When "the outcome "the sky is green" is seen"' in (
        result.output
    )
    assert "These words are defined as a Then step (steps.check_steps)" in result.output


def test_suggested_parser_types_quoted_texts_and_numbers() -> None:
    pattern, params = suggested_parser('a fact "x" kept for 2.5 seconds by 3 agents')
    assert pattern == 'a fact "{text1}" kept for {number1:g} seconds by {number2:d} agents'
    assert params == [("text1", "str"), ("number1", "float"), ("number2", "int")]


def test_a_phrase_without_values_needs_no_parser() -> None:
    from pytest_bdd.parser import Step

    step = Step(name="the store is empty", type="then", indent=4, line_number=3, keyword="Then")
    assert suggested_code(step).splitlines()[:2] == [
        "@then('the store is empty')",
        "def _() -> None:",
    ]
