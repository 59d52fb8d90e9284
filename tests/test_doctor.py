"""`agentstore doctor`: what answered and its version, or one line naming what did not."""

import socket
import subprocess
import sys

import pytest

from agentstore import doctor, errors, open_memory
from agentstore.cli import main
from harness.servers.ladder import Provisioner, free_port, postgres_binaries


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
    # Warnings (a Redis without persistence) are advice, on lines of their own.
    out = [line for line in capsys.readouterr().out.splitlines() if line.split()[1] != "warn"]
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


@pytest.mark.parametrize("option", ["--postgres", "--redis"])
def test_a_server_that_accepts_but_never_answers_fails_instead_of_hanging(option):
    """The connect timeout bounds every check: a silent server is reported, not waited on."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever replies
        port = silent.getsockname()[1]
        scheme = "postgresql+psycopg://u@" if option == "--postgres" else "redis://"
        done = run_doctor(option, f"{scheme}127.0.0.1:{port}/0", "--timeout", "1")
    assert done.returncode == 1
    assert "unreachable" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_wrong_password_is_named_in_one_line_without_showing_either_password():
    provisioner = Provisioner()
    try:
        server = provisioner.spawn_postgres(postgres_binaries()[0], password="right-one")
        assert doctor.check_postgres(server.url).version  # the right password gets in
        wrong = server.url.replace("right-one", "wrong-one")
        done = run_doctor("--postgres", wrong)
        with pytest.raises(errors.AuthenticationFailed) as raised:  # SQLSTATE 28P01 by text
            open_memory(wrong)
    finally:
        provisioner.stop_all()
    assert "wrong-one" not in str(raised.value)
    assert done.returncode == 1
    assert "authentication failed for postgresql+psycopg://postgres:***@" in done.stdout
    assert done.stderr == "agentstore: error: authentication failed: postgres\n"
    assert "right-one" not in done.stdout + done.stderr
    assert "wrong-one" not in done.stdout + done.stderr


@pytest.mark.parametrize("form", ["path", "url"])
def test_a_sqlite_file_that_does_not_exist_fails_and_is_not_created(tmp_path, capsys, form):
    missing = tmp_path / "agents.db"
    target = str(missing) if form == "path" else f"sqlite:///{missing}"
    code = main(["doctor", "--sqlite", target])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("sqlite    FAIL")
    assert "does not exist" in out
    assert not missing.exists()


def test_doctor_with_no_options_still_checks_an_in_memory_sqlite(capsys, monkeypatch):
    from agentstore.commands import doctor as command

    monkeypatch.setattr(command, "DEFAULT_POSTGRES", None)
    monkeypatch.setattr(command, "DEFAULT_REDIS", None)
    assert main(["doctor"]) == 0
    assert capsys.readouterr().out.startswith("sqlite    ok")
