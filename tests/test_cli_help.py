"""Every option of every ``agentstore`` command says what it is for in ``--help``."""

from __future__ import annotations

import argparse

import pytest

from agentstore.cli import build_parser, main


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    found = {"agentstore": parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def undocumented(parser: argparse.ArgumentParser) -> list[str]:
    """The options and arguments of ``parser`` (``-h`` aside) that have no help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            missing += [f"command {c.dest}" for c in action._choices_actions if not c.help]
            continue
        if not action.help or action.help == argparse.SUPPRESS:
            missing.append("/".join(action.option_strings) or action.dest)
    return missing


def test_every_command_is_registered() -> None:
    names = set(commands()) - {"agentstore"}
    assert names == {"migrate", "seed", "backup", "restore", "export", "import", "doctor"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_has_help(name: str) -> None:
    assert undocumented(commands()[name]) == [], f"agentstore {name}: options without help"


def test_the_help_shows_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["seed", "--help"])
    out = capsys.readouterr().out
    assert "how many agents to add" in out
    assert "in all" in out
