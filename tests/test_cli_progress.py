"""Progress on a terminal: ``seed``, ``export`` and ``import`` show how far they are, with the
total and the rate, on stderr when it is a terminal (a real pseudo-terminal here), and print
nothing but their summary when it is not."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agentstore import Database
from agentstore.db import demo

ROWS = r"[\d,]+/{total} rows \(\d+%\), [\d,]+ rows/s"


def agentstore(*argv: str, terminal: bool) -> tuple[str, str]:
    """Run the CLI; its stderr on a pseudo-terminal when ``terminal``, else on a pipe."""
    command = [sys.executable, "-m", "agentstore.cli", *argv]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    leader, follower = os.openpty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower) as child:
        os.close(follower)
        seen = b""
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            seen += data
        os.close(leader)
        out = child.stdout.read().decode() if child.stdout else ""
        assert child.wait(120) == 0, seen
    return out, seen.decode()


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    with Database(url) as database:
        database.upgrade("head")
    return url


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_seed_shows_its_total_and_rate_on_a_terminal_only(migrated: str, terminal: bool) -> None:
    argv = ["seed", "--url", migrated, "--agents", "4", "--executions", "12000", "--seed", "1"]
    out, err = agentstore(*argv, terminal=terminal)
    assert out == f"{migrated}: added 4 agents and 12000 executions\n"
    if terminal:
        assert re.search("seeding executions: " + ROWS.format(total="12,000"), err), err
        assert "seeding executions: 12,000/12,000 rows (100%)" in err
    else:
        assert err == ""


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_export_and_import_show_their_totals_and_rates_on_a_terminal_only(
    migrated: str, tmp_path: Path, terminal: bool
) -> None:
    with Database(migrated) as database:
        demo.seed(database, 3, executions=6000, seed=2)
    archive = str(tmp_path / "a.zip")
    out, err = agentstore("export", "--url", migrated, "--out", archive, terminal=terminal)
    assert out.startswith("export: ") and out.count("\n") == 1
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    out2, err2 = agentstore("import", "--url", target, "--input", archive, terminal=terminal)
    assert out2.startswith("import: ") and out2.count("\n") == 1
    if terminal:
        assert re.search("exporting executions: " + ROWS.format(total="6,000"), err), err
        assert re.search("importing executions: " + ROWS.format(total="6,000"), err2), err2
    else:
        assert err == err2 == ""
