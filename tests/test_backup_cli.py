"""The backup commands: one summary line, quiet off a terminal, one-line errors, exit code 1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from agentstore import Database
from agentstore.backup.progress import Progress
from agentstore.cli import main
from agentstore.db import demo
from harness.isolation.places import Isolation


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    Progress(terminal).show("exporting executions: 2,000 rows", force=True)
    Progress(pipe).show("exporting executions: 2,000 rows", force=True)
    assert "2,000 rows" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_every_command_ends_with_one_summary_line_and_is_quiet_otherwise(
    isolation: Isolation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = isolation.new("sqlite").url
    with Database(source) as database:
        demo.seed(database, 2, executions=6, seed=1)
    runs = [
        ["backup", "--url", source, "--out", str(tmp_path / "b.zip")],
        ["restore", "--url", isolation.new("sqlite").url, "--input", str(tmp_path / "b.zip")],
        ["export", "--url", source, "--out", str(tmp_path / "a.zip")],
        ["import", "--url", isolation.new("postgres").url, "--input", str(tmp_path / "a.zip")],
    ]
    for argv in runs:
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert out.count("\n") == 1 and out.startswith(f"{argv[0]}: ")
        assert "tables" in out and "rows" in out and " s (" in out
        assert err == ""


def test_a_refused_restore_is_one_line_on_stderr_with_exit_code_1(
    isolation: Isolation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = isolation.new("sqlite").url
    with Database(source) as database:
        demo.seed(database, 1, executions=1, seed=1)
    assert main(["backup", "--url", source, "--out", str(tmp_path / "b.zip")]) == 0
    capsys.readouterr()
    assert main(["restore", "--url", source, "--input", str(tmp_path / "b.zip")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "already holds data" in err and "--force" in err
