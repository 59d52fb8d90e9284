"""Every command's failure is one line on stderr and exit code 1, never a traceback (issue 19).

Each command runs against a server that is not there (a wrong port), a database that does
not exist, and a SQLite file that does not exist, through a URL holding a password: the
error must be the specific one (``cannot reach ...``), not the CLI's internal-error net, and
must not show the password.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentstore import backup as backups
from agentstore import open_memory
from agentstore.cli import main

SECRET = "s3cretPW"
TARGETS = {
    "postgres-wrong-port": f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/agents",
    "postgres-missing-database": (
        f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:5432/agentstore_no_such_database"
    ),
    "postgres-query-password": f"postgresql://postgres@127.0.0.1:1/agents?password={SECRET}",
    "redis-wrong-port": f"redis://:{SECRET}@127.0.0.1:1/0",
    "redis-missing-database": "redis://127.0.0.1:6379/99",
    "sqlite-missing-file": "sqlite:///{tmp}/no/such/agents.db",
}
COMMANDS = {
    "migrate-current": ["migrate", "current", "--url", "{url}"],
    "migrate-up": ["migrate", "up", "--url", "{url}"],
    "seed": ["seed", "--url", "{url}", "--agents", "1", "--executions", "1"],
    "backup": ["backup", "--url", "{url}", "--out", "{tmp}/b.zip"],
    "restore": ["restore", "--url", "{url}", "--input", "{archive}", "--force"],
    "export": ["export", "--url", "{url}", "--out", "{tmp}/e.zip"],
    "import": ["import", "--url", "{url}", "--input", "{archive}", "--force"],
    "doctor": ["doctor", "--{backend}", "{url}", "--timeout", "1"],
}
#: A missing SQLite file is created by the commands that write one: that is no failure.
CREATES_SQLITE = {"migrate-up", "restore", "import"}
SPECIFIC = (
    "cannot reach",
    "cannot use",
    "unreachable",
    "does not exist",
    "got a Redis URL",
    "out of range",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A portable archive of a migrated SQLite store with no records and one memory entry
    (so it imports into Redis too)."""
    folder = tmp_path_factory.mktemp("archives")
    store = f"sqlite:///{folder / 'source.db'}"
    assert main(["migrate", "up", "--url", store]) == 0
    with open_memory(store) as memory:
        memory.store("aqe/fact", {"a": 1})
    backups.export(store, folder / "archive.zip")
    return folder / "archive.zip"


def _argv(command: str, target: str, tmp_path: Path, archive: Path) -> list[str]:
    url = TARGETS[target].format(tmp=tmp_path)
    backend = target.split("-")[0]
    values = {"url": url, "tmp": str(tmp_path), "archive": str(archive), "backend": backend}
    return [part.format(**values) for part in COMMANDS[command]]


#: Every command against every failing target, except a missing SQLite file for the commands
#: that create one (``CREATES_SQLITE``): pairs that are no failure are left out, not skipped.
FAILING = [
    (command, target)
    for target in TARGETS
    for command in COMMANDS
    if not (target.startswith("sqlite") and command in CREATES_SQLITE)
]


@pytest.mark.parametrize(("command", "target"), FAILING)
def test_every_command_fails_in_one_specific_line(
    command: str,
    target: str,
    tmp_path: Path,
    archive: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(_argv(command, target, tmp_path, archive))
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("agentstore: error: ")
    assert "internal error" not in err, err
    assert any(sign in err + out for sign in SPECIFIC), err
    assert SECRET not in out + err and "Traceback" not in out + err


@pytest.mark.parametrize("command", ["export", "import", "restore"])
def test_a_real_process_prints_no_traceback(command: str, tmp_path: Path, archive: Path) -> None:
    """Issue 19: export/import on a wrong port printed SQLAlchemy's traceback."""
    argv = _argv(command, "postgres-missing-database", tmp_path, archive)
    done = subprocess.run(
        [sys.executable, "-m", "agentstore.cli", *argv], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.startswith("agentstore: error: cannot reach "), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_an_unknown_failure_is_one_internal_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last line of defence: an error nobody translated is still one line, exit 1."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise LookupError("first line\nsecond line")

    monkeypatch.setattr(backups, "export", broken)
    assert main(["export", "--url", "sqlite://", "--out", "x.zip"]) == 1
    err = capsys.readouterr().err
    assert err == "agentstore: error: internal error (LookupError): first line second line\n"
