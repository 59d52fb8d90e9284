"""One set of numbers: the summaries of an export and of the import of that same archive
(and of a backup and its restore) state what the file holds, the same way, on each backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentstore import Database, open_memory
from agentstore.cli import main
from agentstore.db import demo
from harness.isolation.places import Isolation

LINE = re.compile(r"^(\w+): (\d+ tables, [\d,]+ rows, [\d,]+ memory entries, a .+ file) in ")


def numbers(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What the command's summary says the file holds (its action, time and places aside)."""
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    found = LINE.match(out)
    assert found and found.group(1) == argv[0], out
    return found.group(2)


def holding(isolation: Isolation, backend: str) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, 3, executions=12, seed=2)
    with open_memory(url) as memory:
        memory.store("aqe/plan", {"steps": 3})
        memory.store("aqe/owner", "ada", ttl=600)
    return url


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_export_and_import_of_one_archive_state_the_same_numbers(
    isolation: Isolation, tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    source, archive = holding(isolation, backend), str(tmp_path / "a.zip")
    exported = numbers(["export", "--url", source, "--out", archive], capsys)
    target = isolation.new(backend).url
    imported = numbers(["import", "--url", target, "--input", archive], capsys)
    size = Path(archive).stat().st_size
    assert exported == imported
    assert exported.startswith("4 tables, 15 rows, 2 memory entries, a ")
    assert f"{size / 1024:.1f} KB" in exported  # the file on disk, not what it unpacks to


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_backup_and_its_restore_count_as_the_export_does(
    isolation: Isolation, tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    source, backup = holding(isolation, backend), str(tmp_path / "b.zip")
    saved = numbers(["backup", "--url", source, "--out", backup], capsys)
    target = isolation.new(backend).url
    restored = numbers(["restore", "--url", target, "--input", backup], capsys)
    exported = numbers(["export", "--url", source, "--out", str(tmp_path / "a.zip")], capsys)
    assert saved == restored
    assert (
        saved.split(", a ")[0]
        == exported.split(", a ")[0]
        == ("4 tables, 15 rows, 2 memory entries")
    )
