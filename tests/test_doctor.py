"""`agentstore doctor`: what answered and its version, or one line naming what did not."""

import subprocess
import sys

import pytest

from agentstore.cli import main
from support.services import free_port


def run_doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentstore.cli", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_reports_every_backend_that_answers(postgres_url, redis_url, sqlite_url, capsys):
    code = main(
        ["doctor", "--postgres", postgres_url, "--redis", redis_url, "--sqlite", sqlite_url]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in out] == [
        ["postgres", "ok"],
        ["redis", "ok"],
        ["sqlite", "ok"],
    ]
    assert out[0].split()[2:4][0] == "PostgreSQL"
    assert "Redis" in out[1] and "SQLite" in out[2]


@pytest.mark.parametrize(
    ("option", "url", "says"),
    [
        ("--postgres", "postgresql+psycopg://bob:hunter2@127.0.0.1:{port}/agents", "unreachable"),
        ("--redis", "redis://:hunter2@127.0.0.1:{port}/0", "unreachable"),
        ("--postgres", "redis://:hunter2@127.0.0.1:{port}/0", "expected a PostgreSQL URL"),
        ("--redis", "postgresql://bob:hunter2@127.0.0.1:{port}/x", "expected a Redis URL"),
        ("--postgres", "mysql://bob:hunter2@127.0.0.1:{port}/x", "unsupported URL scheme"),
        ("--sqlite", "/no/such/folder/agents.db", "does not exist"),
    ],
)
def test_a_backend_that_does_not_answer_fails_in_one_line(option, url, says):
    done = run_doctor(option, url.format(port=free_port()), "--timeout", "2")
    assert done.returncode == 1
    assert says in done.stdout
    assert "hunter2" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("agentstore: error: unreachable:")
