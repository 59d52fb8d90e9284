"""Three rules a QA engineer wrote from the step glossary alone (issue 22) run and pass:
a TTL rule, a queue-order rule and a backup rule."""

from __future__ import annotations

from spec_project import SpecProject

QA_RULES = """\
@backends:sqlite
Feature: Rules written from the glossary alone

  Scenario: a fact kept for 60 seconds has about a minute left
    Given an agent with a memory
    When the agent remembers "aqe/token" as "abc" for 60 seconds
    Then the memory reports between 58 and 60 seconds left for "aqe/token"

  Scenario: the urgent task comes first
    Given a work queue holding "a" at priority 1, "b" at priority 9 and "c" at priority 1
    When a worker claims the tasks one by one
    Then it gets "b", "a", "c" in that order

  Scenario: a good backup restored with force replaces the target's records
    Given a store holding 3 agents with 12 executions
    And a target store already holding 2 agents with 6 executions
    When the store is backed up and restored into the target, replacing what it holds
    Then the restored store holds the same records, indexes and constraints
"""


def test_the_three_qa_rules_pass(tmp_path) -> None:
    project = SpecProject(tmp_path)
    project.feature("qa/rules.feature", QA_RULES)
    result = project.run("-p", "no:randomly")
    result.assert_outcomes(passed=3)
