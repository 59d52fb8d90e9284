"""``agentstore seed --executions M`` means M executions in all, as the Gherkin's "5 agents
with 40 executions" does: spread over the agents, the same records for the same --seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentstore import Database
from agentstore.cli import main
from agentstore.db import demo, records


def seeded(tmp_path: Path, name: str, agents: int, executions: int) -> str:
    url = f"sqlite:///{tmp_path / name}"
    assert main(["migrate", "up", "--url", url]) == 0
    argv = ["--agents", str(agents), "--executions", str(executions), "--seed", "4"]
    assert main(["seed", "--url", url, *argv]) == 0
    return url


def shares(url: str) -> list[int]:
    with Database(url) as database, database.session() as session:
        found = [len(records.executions_of(session, a.name)) for a in records.list_agents(session)]
        return sorted(found, reverse=True)


@pytest.mark.parametrize(
    ("agents", "executions", "expected"),
    [(5, 40, [8, 8, 8, 8, 8]), (3, 40, [14, 13, 13]), (4, 2, [1, 1, 0, 0]), (2, 0, [0, 0])],
)
def test_executions_are_counted_in_all_and_spread_over_the_agents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], agents: int, executions: int, expected
) -> None:
    url = seeded(tmp_path, "a.db", agents, executions)
    assert shares(url) == expected
    out = capsys.readouterr().out.splitlines()[-1]
    assert out == f"{url}: added {agents} agents and {executions} executions"


def test_the_same_seed_gives_the_same_records(tmp_path: Path) -> None:
    first, second = seeded(tmp_path, "a.db", 3, 10), seeded(tmp_path, "b.db", 3, 10)
    found = []
    for url in (first, second):
        with Database(url) as database, database.session() as session:
            found.append([(e.agent_id, e.task, e.status) for e in records.list_executions(session)])
    assert found[0] == found[1] and len(found[0]) == 10


def test_executions_without_an_agent_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["migrate", "up", "--url", url]) == 0
    capsys.readouterr()
    assert main(["seed", "--url", url, "--agents", "0", "--executions", "4"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "need at least one agent" in err
    assert shares(url) == []


def test_the_library_and_the_cli_share_one_meaning() -> None:
    assert demo.spread(5, 40) == [8] * 5
    assert sum(demo.spread(7, 100)) == 100
    with pytest.raises(ValueError, match="at least one agent"):
        demo.spread(0, 1)
