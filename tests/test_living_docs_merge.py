"""A run split over two machines (pytest-split) reads as one report once the shards are merged."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from spec_project import REPO, HarnessProject, parse_html

pytest.importorskip("pytest_split")

FIRST = """\
Feature: The first half
  @sqlite
  Scenario: a fact of the first shard
    Given the check "first" passes

  @sqlite
  Scenario: a broken rule of the first shard
    Given the check "first broken" fails
"""
SECOND = """\
Feature: The second half
  @backends:sqlite,redis
  Scenario: a fact of the second shard
    Given the check "second" passes
"""
SCENARIOS = (
    "a fact of the first shard",
    "a broken rule of the first shard",
    "a fact of the second shard",
)


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> HarnessProject:
    """Two shards of one tiny suite, each with its own --living-docs folder."""
    project = HarnessProject(tmp_path_factory.mktemp("split"))
    project.feature("first.feature", FIRST)
    project.feature("second.feature", SECOND)
    durations = {  # recorded durations: the two first-file tests weigh as much as the others
        "features/first.feature::test_a_fact_of_the_first_shard[sqlite]": 1.0,
        "features/first.feature::test_a_broken_rule_of_the_first_shard[sqlite]": 1.0,
        "features/second.feature::test_a_fact_of_the_second_shard[sqlite]": 1.0,
        "features/second.feature::test_a_fact_of_the_second_shard[redis]": 1.0,
    }
    (project.path / ".test_durations").write_text(json.dumps(durations))
    for group in (1, 2):
        project.run(
            "--splits=2",
            f"--group={group}",
            f"--living-docs=shard-{group}",
            backends="sqlite,redis",
        )
    return project


def merge(project: HarnessProject, *folders: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO)  # the project's own steps package comes first (its cwd)
    return subprocess.run(
        [sys.executable, "-m", "harness.reporting.merge", "merged", *folders],
        cwd=project.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def merged(shards: HarnessProject):
    done = merge(shards, "shard-1", "shard-2")
    assert done.returncode == 0, done.stdout + done.stderr
    return shards.path / "merged"


def scenario_names(folder) -> set[str]:
    page = parse_html((folder / "index.html").read_text(encoding="utf-8"))
    return {a.select("span", "name")[0].text for a in page.select("article", "scenario")}


def test_each_shard_ran_only_its_part(shards: HarnessProject) -> None:
    first, second = (scenario_names(shards.path / f"shard-{g}") for g in (1, 2))
    assert first and second, (first, second)
    assert first.isdisjoint(second)  # two scenarios a shard, by the recorded durations
    assert first | second == set(SCENARIOS)


def test_the_merged_page_holds_every_shard_s_scenarios(merged) -> None:
    assert scenario_names(merged) == set(SCENARIOS)
    page = (merged / "index.html").read_text(encoding="utf-8")
    assert "The first half" in page and "The second half" in page


def test_the_merged_messages_hold_one_test_case_per_run_of_every_shard(merged) -> None:
    envelopes = [json.loads(line) for line in (merged / "messages.ndjson").read_text().splitlines()]
    pickles = {e["pickle"]["name"] for e in envelopes if "pickle" in e}
    assert pickles == {
        "a fact of the first shard",
        "a broken rule of the first shard",
        "a fact of the second shard [sqlite]",
        "a fact of the second shard [redis]",
    }
    finished = [e["testCaseFinished"] for e in envelopes if "testCaseFinished" in e]
    assert len(finished) == 4
    assert sum("testRunStarted" in e for e in envelopes) == 1  # one run, not two glued


def test_the_merged_cucumber_json_and_junit_hold_both_features(merged) -> None:
    cucumber = json.loads((merged / "cucumber.json").read_text())
    assert {f["name"] for f in cucumber} == {"The first half", "The second half"}
    junit = (merged / "junit.xml").read_text()
    assert junit.count("<testcase ") == 4 and junit.count("<failure") == 1


def test_a_folder_without_results_is_refused_by_name(shards: HarnessProject) -> None:
    done = merge(shards, "shard-1", "nowhere")
    assert done.returncode != 0
    assert "nowhere holds no results.json" in done.stderr
