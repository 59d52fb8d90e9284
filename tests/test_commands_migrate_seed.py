"""The ``agentstore migrate`` and ``agentstore seed`` commands, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentstore import Database
from agentstore.cli import main
from agentstore.db import records
from agentstore.migrations import runner


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def current(url: str) -> str | None:
    with Database(url) as database:
        return database.current_revision()


def test_up_goes_to_head_and_down_one_step(url: str) -> None:
    assert main(["migrate", "up", "--url", url]) == 0
    assert current(url) == runner.head()
    assert main(["migrate", "down", "--url", url]) == 0
    assert current(url) == runner.history()[-2].id
    assert main(["migrate", "down", "--url", url, "--to", "base"]) == 0
    assert current(url) is None


def test_unknown_revision_is_one_line_and_exit_1(url: str, capsys) -> None:
    assert main(["migrate", "up", "--url", url, "--to", "9999"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'9999'" in err
    assert not Path(url.removeprefix("sqlite:///")).exists()  # nothing created, nothing changed


def test_history_lists_every_revision(capsys) -> None:
    assert main(["migrate", "history"]) == 0
    out = capsys.readouterr().out
    assert all(revision.id in out for revision in runner.history())


def test_seed_adds_reproducible_demo_records(tmp_path: Path) -> None:
    found = []
    for name in ("a.db", "b.db"):
        url = f"sqlite:///{tmp_path / name}"
        main(["migrate", "up", "--url", url])
        args = ["seed", "--url", url, "--agents", "3", "--executions", "6", "--seed", "7"]
        assert main(args) == 0
        with Database(url) as database, database.session() as session:
            assert records.count_executions(session) == 6
            found.append([(a.name, a.role) for a in records.list_agents(session)])
    assert found[0] == found[1]


def test_seed_on_unmigrated_database_is_refused(url: str, capsys) -> None:
    assert main(["seed", "--url", url, "--agents", "1", "--executions", "1"]) == 1
    assert "migrate up" in capsys.readouterr().err


def test_an_unopenable_sqlite_file_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    assert main(["migrate", "up", "--url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agentstore: error: ") and err.count("\n") == 1
    assert "x.db" in err and "Traceback" not in err


@pytest.mark.parametrize("action", ["current", "down"])
def test_reading_a_missing_sqlite_file_refuses_and_creates_nothing(
    url: str, action: str, capsys
) -> None:
    assert main(["migrate", action, "--url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    assert not Path(url.removeprefix("sqlite:///")).exists()


def test_migrate_up_creates_a_new_sqlite_file(url: str, capsys) -> None:
    assert main(["migrate", "up", "--url", url]) == 0
    assert f"base -> {runner.head()}" in capsys.readouterr().out


def test_a_password_query_parameter_is_never_printed(capsys) -> None:
    url = "postgresql+psycopg://u@127.0.0.1:1/x?password=s3cret&connect_timeout=2"
    assert main(["migrate", "up", "--url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s3cret" not in err and "password=***" in err
