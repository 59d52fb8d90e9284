"""A step's definitions are looked up once per feature file (harness.step_lookup), and each
file still gets the definitions it sees: the same words can mean different steps elsewhere."""

from __future__ import annotations

from spec_project import CHECK_STEPS, HarnessProject

FEATURE = """\
Feature: Words that mean what their folder says
  Scenario: the folder decides
    Given the check "ready" passes
    Then the folder's own step runs

  Scenario: again, from what the first scenario found
    Then the folder's own step runs
"""

OWN_STEP = '''\
from pytest_bdd import then


@then("the folder's own step runs")
def _() -> None:
    """{says}"""
    {body}
'''


def test_the_same_words_run_each_folders_own_step(pytester) -> None:
    project = HarnessProject(pytester)
    for folder, body in (("calm", "pass"), ("strict", "raise AssertionError('strict ran')")):
        project.feature(f"{folder}/words.feature", FEATURE)
        own = OWN_STEP.format(says=f"The {folder} folder's step.", body=body)
        (project.path / "features" / folder / "conftest.py").write_text(own)
    result = project.run("-v")
    out = result.output
    assert out.count("strict ran") >= 2, out[-3000:]  # both strict scenarios ran strict's step
    result.assert_outcomes(passed=2, failed=2)
    assert all("calm/" in line for line in out.splitlines() if " PASSED" in line), out[-3000:]


COUNTING = """\
import importlib, os

import pytest

bdd = importlib.import_module("pytest_bdd.scenario")
asked = []


@pytest.hookimpl(tryfirst=True)  # before the harness keeps its answers
def pytest_configure(config):
    lookup = bdd.find_fixturedefs_for_step

    def counted(step, fixturemanager, node):
        asked.append(step.name)
        return lookup(step=step, fixturemanager=fixturemanager, node=node)

    bdd.find_fixturedefs_for_step = counted


def pytest_sessionfinish(session):
    with open(os.environ["ASKED"], "w") as out:
        out.write("\\n".join(asked))
"""

TWICE = """\
Feature: One step, two scenarios
  Scenario: first
    Given the check "ready" passes

  Scenario: second
    Given the check "ready" passes
"""


def test_a_step_in_two_scenarios_of_a_file_is_looked_up_once(pytester, monkeypatch) -> None:
    project = HarnessProject(pytester, steps={"check_steps": CHECK_STEPS, "counting": COUNTING})
    project.feature("twice.feature", TWICE)
    asked = project.path / "asked.txt"
    monkeypatch.setenv("ASKED", str(asked))
    project.run().assert_outcomes(passed=2)
    assert asked.read_text().splitlines() == ['the check "ready" passes']
