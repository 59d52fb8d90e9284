"""A step's definitions are looked up once per feature file (harness.step_lookup), and each
file still gets the definitions it sees: the same words can mean different steps elsewhere."""

from __future__ import annotations

from spec_project import HarnessProject

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
