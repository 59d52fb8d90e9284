"""The ``agentstore`` command line itself: usage errors are one line and exit code 1."""

from __future__ import annotations

import pytest

from agentstore.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "bogus"],
        ["bogus"],
        [],
        ["migrate", "up", "--no-such-option"],
        ["seed", "--url", "sqlite://", "--agents", "many", "--executions", "1"],
    ],
)
def test_a_usage_error_is_one_line_and_exit_1(argv: list[str], capsys) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("agentstore: error: ")
    assert captured.err.count("\n") == 1
    assert captured.out == ""


def test_help_still_exits_0(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    assert "migrate" in capsys.readouterr().out


def test_migrate_without_url_is_one_line_and_exit_1(capsys) -> None:
    assert main(["migrate", "up"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agentstore: error: ") and err.count("\n") == 1
    assert "--url" in err


def test_seed_with_a_negative_count_is_one_line_and_exit_1(capsys) -> None:
    assert main(["seed", "--url", "sqlite://", "--agents", "-1", "--executions", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agentstore: error: seed: ") and err.count("\n") == 1
