"""A step whose value no earlier step gave, or whose text is not quoted, fails in one line
that a QA engineer can act on (no fixture list, no traceback)."""

from __future__ import annotations

import json

from spec_project import HarnessProject

STEPS = '''\
"""Steps that hand values to each other, as the domain's steps do."""

from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a source holding {count:d} facts"), target_fixture="source")
def _(count: int) -> list[int]:
    return list(range(count))


@when("the source is moved", target_fixture="moved")
def _(source: list[int]) -> list[int]:
    return list(source)


@then("the moved facts are whole")
def _(moved: list[int]) -> None:
    assert moved


@when(parsers.parse('the agent records the fact "{fact}"'))
def _(fact: str) -> None:
    pass
'''

WITHOUT_GIVER = """\
Feature: Moving
  Scenario: a step before its giver
    Given a source holding 3 facts
    Then the moved facts are whole
"""

UNQUOTED = """\
Feature: Facts
  Scenario: an unquoted fact
    When the agent records the fact the sky is green
"""


def test_a_value_no_earlier_step_gave_names_the_steps_that_give_it(pytester) -> None:
    project = HarnessProject(pytester, steps={"moving_steps": STEPS})
    project.feature("moving/moving.feature", WITHOUT_GIVER)
    result = project.run("--living-docs=reports")
    result.assert_outcomes(failed=1)
    needs = (
        'Then "the moved facts are whole" (features/moving/moving.feature:4): this step needs '
        "an earlier step such as 'When the source is moved'"
    )
    assert needs in result.output
    report = json.loads((pytester.path / "reports" / "cucumber.json").read_text())
    [then] = [s for s in report[0]["elements"][0]["steps"] if s["keyword"].strip() == "Then"]
    assert then["result"]["error_message"] == needs, then["result"]
    assert "fixture 'moved' not found" not in result.output
    assert "available fixtures" not in result.output
    assert len(result.output) < 4000, result.output


def test_an_unquoted_text_value_is_said_to_need_quotes(pytester) -> None:
    project = HarnessProject(pytester, steps={"moving_steps": STEPS})
    project.feature("moving/facts.feature", UNQUOTED)
    result = project.run()
    result.assert_outcomes(failed=1)
    assert (
        'Text values are quoted: "...". Did you mean: '
        'When the agent records the fact "the sky is green"?' in result.output
    )
