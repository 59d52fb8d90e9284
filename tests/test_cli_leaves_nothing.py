"""Nothing left behind by a refused command: a command given a SQLite file that does not
exist, and refused, leaves no file there (not even an empty one) and no journal beside it."""

from __future__ import annotations

import argparse
import os
import zipfile
from pathlib import Path

import pytest

from agentstore import Database
from agentstore.cli import main
from agentstore.commands import leftovers
from agentstore.db import demo


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A portable archive and a SQLite backup, each with one byte changed in its data."""
    folder = tmp_path_factory.mktemp("archives")
    source = f"sqlite:///{folder / 'source.db'}"
    with Database(source) as database:
        database.upgrade("head")
        demo.seed(database, 2, executions=8, seed=3)
    assert main(["export", "--url", source, "--out", str(folder / "a.zip")]) == 0
    assert main(["backup", "--url", source, "--out", str(folder / "b.zip")]) == 0
    damaged = {}
    for name, member in (("a.zip", "tables/executions.jsonl"), ("b.zip", "database.sqlite")):
        damaged[name] = folder / f"damaged-{name}"
        with zipfile.ZipFile(folder / name) as good, zipfile.ZipFile(damaged[name], "w") as bad:
            for info in good.infolist():
                data = good.read(info.filename)
                if info.filename == member:  # a flipped bit where every reader looks
                    at = 0 if member == "database.sqlite" else len(data) // 2
                    data = data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]
                bad.writestr(info, data)
    return damaged


def refused(argv: list[str], folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("agentstore: error: ") and err.count("\n") == 1, err
    assert sorted(p.name for p in folder.iterdir()) == [], "a refused command left a file"
    return err


@pytest.mark.parametrize(
    "argv",
    [
        ["seed", "--agents", "2", "--executions", "4"],
        ["backup", "--out", "{out}"],
        ["export", "--out", "{out}"],
        ["import", "--input", "{a.zip}"],
        ["import", "--input", "{b.zip}"],
        ["restore", "--input", "{a.zip}"],
        ["restore", "--input", "{b.zip}"],
        ["migrate", "up", "--to", "9999"],
        ["migrate", "current"],
    ],
    ids=lambda argv: " ".join(a for a in argv if not a.startswith("{")),
)
def test_a_refused_command_leaves_no_sqlite_file(
    argv: list[str],
    archives: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "place"
    folder.mkdir()
    files = {
        "{out}": str(tmp_path / "out.zip"),
        **{f"{{{k}}}": str(v) for k, v in archives.items()},
    }
    command = [files.get(a, a) for a in argv]
    refused([*command, "--url", f"sqlite:///{folder / 'agents.db'}"], folder, capsys)


@pytest.mark.parametrize("form", ["path", "url"])
def test_doctor_leaves_no_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    missing = tmp_path / "agents.db"
    target = str(missing) if form == "path" else f"sqlite:///{missing}"
    assert main(["doctor", "--sqlite", target]) == 1
    assert not missing.exists()


def test_a_file_that_was_there_before_is_kept(tmp_path: Path) -> None:
    present = tmp_path / "agents.db"
    present.write_bytes(b"")  # empty, and not ours to remove
    assert (
        main(["seed", "--url", f"sqlite:///{present}", "--agents", "1", "--executions", "1"]) == 1
    )
    assert present.exists()


def test_an_old_journal_beside_a_missing_database_stays(tmp_path: Path) -> None:
    """Only the files that were not there are noted: a journal left from before is kept."""
    database, journal = tmp_path / "agents.db", tmp_path / "agents.db-journal"
    journal.write_bytes(b"old journal")
    fresh = leftovers.missing_sqlite_files(argparse.Namespace(url=f"sqlite:///{database}"))
    database.write_bytes(b"")  # what a failed command created
    (tmp_path / "agents.db-wal").write_bytes(b"")
    leftovers.remove(fresh)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agents.db-journal"]
    assert journal.read_bytes() == b"old journal"


def test_only_the_very_file_seen_created_is_removed(tmp_path: Path) -> None:
    """A file put in place of the one seen created (another inode) is someone else's."""
    database = tmp_path / "agents.db"
    fresh = leftovers.missing_sqlite_files(argparse.Namespace(url=f"sqlite:///{database}"))
    database.write_bytes(b"")
    seen = leftovers.created(fresh)
    other = tmp_path / "other.db"
    other.write_bytes(b"someone else's")
    os.replace(other, database)  # another process's file, created while ours still existed
    leftovers.remove_created(seen)
    assert database.read_bytes() == b"someone else's"
    leftovers.remove_created(leftovers.created(fresh))
    assert not database.exists()
