"""The provisioning ladder: which rung it takes, what it says, and that it cleans up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agentstore import doctor
from agentstore.errors import BackendUnavailable
from harness.servers import ladder as services
from harness.servers.ladder import Provisioner, free_port
from harness.servers.plugin import SERVICES

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition, seconds: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; no timing is asserted."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def unreachable(url: str) -> bool:
    try:
        doctor.check(url, timeout=1)
    except BackendUnavailable:
        return True
    return False


@pytest.fixture
def provisioner():
    owner = Provisioner()
    yield owner
    owner.stop_all()


def test_an_unset_environment_url_moves_on_to_the_next_rung(monkeypatch, provisioner):
    monkeypatch.delenv("AGENTSTORE_TEST_REDIS_URL", raising=False)
    with pytest.raises(services.RungUnavailable, match="AGENTSTORE_TEST_REDIS_URL is not set"):
        provisioner._env("redis")


def test_an_environment_url_that_does_not_answer_stops_the_ladder(monkeypatch, provisioner):
    """A URL the user set is an instruction: the ladder must not quietly test another server."""
    port = free_port()
    monkeypatch.setenv("AGENTSTORE_TEST_POSTGRES_URL", f"postgresql://u:pw@127.0.0.1:{port}/x")
    service = provisioner.provision("postgres")
    assert not service.available
    assert "AGENTSTORE_TEST_POSTGRES_URL does not answer" in service.reason
    assert "pw@" not in service.reason
    assert "local:" not in service.reason


@pytest.mark.parametrize("backend", ["postgres", "redis"])
@pytest.mark.parametrize("source", ["machine", "embedded"])
def test_a_throwaway_server_starts_answers_and_is_gone_after_stop(backend, source, provisioner):
    binaries = services.postgres_binaries() if backend == "postgres" else services.redis_binaries()
    chosen = [b for b in binaries if ("site-packages" in str(b)) == (source == "embedded")]
    assert chosen, f"no {source} {backend} binaries; installed are: {binaries}"
    spawn = provisioner.spawn_postgres if backend == "postgres" else provisioner.spawn_redis
    service = spawn(chosen[0])
    assert service.rung == "spawn"
    assert doctor.check(service.url).version == service.version
    provisioner.stop_all()
    assert wait_until(lambda: unreachable(service.url))


def test_a_killed_run_does_not_leave_its_throwaway_server_behind(tmp_path):
    """Even a run killed with SIGKILL (no atexit, no finally) has its servers stopped."""
    script = tmp_path / "victim.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from harness.servers.ladder import Provisioner
            service = Provisioner().provision("redis", "spawn")
            print(service.url, flush=True)
            time.sleep(600)
            """
        )
    )
    victim = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        url = victim.stdout.readline().strip()
        assert url.startswith("redis://"), url
        assert not unreachable(url)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert wait_until(lambda: unreachable(url))


def run_suite(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "features/platform", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_an_unknown_backend_name_is_a_one_line_usage_error():
    done = run_suite("--backends=postgres,mysql")
    assert done.returncode == 4
    assert (
        "--backends: unknown backend 'mysql' (choose from postgres, sqlite, redis)" in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_required_backend_that_does_not_answer_fails_the_run_at_once():
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    done = run_suite("--require-backends=redis", env={"AGENTSTORE_TEST_REDIS_URL": url})
    assert done.returncode != 0
    assert "required backend redis: UNAVAILABLE" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert "passed" not in done.stdout


def test_an_unrequired_missing_backend_is_skipped_loudly_not_silently():
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = run_suite("-rs", env={"AGENTSTORE_TEST_REDIS_URL": url})
    assert done.returncode == 0, done.stdout[-2000:]
    assert "SKIPPED BACKEND redis: UNAVAILABLE" in done.stdout
    assert "skipped" in done.stdout.splitlines()[-1]


def test_the_header_names_each_backend_its_version_and_rung():
    done = run_suite("--backends=sqlite,redis", "--services=local")
    assert done.returncode == 0, done.stdout[-2000:]
    header = done.stdout.split("collected")[0]
    assert "agentstore backends:" in header
    assert "(rung: local)" in header
    assert "sqlite: 3." in header


@pytest.mark.parametrize("rung", ["spawn", "env"])
def test_every_rung_that_can_run_here_passes_the_platform_feature(rung, pytestconfig):
    env = {}
    if rung == "env":  # point the environment at the servers this run already has
        stash = pytestconfig.stash[SERVICES]
        env = {
            "AGENTSTORE_TEST_POSTGRES_URL": stash["postgres"].url,
            "AGENTSTORE_TEST_REDIS_URL": stash["redis"].url,
        }
    done = run_suite(f"--services={rung}", "--require-backends=postgres,sqlite,redis", env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.count(f"(rung: {rung}") == 2
    assert "6 passed" in done.stdout


def test_the_docker_rung_runs_the_suite_or_says_at_once_that_no_engine_answers():
    """With an engine, testcontainers serves the feature; without, one clear line, no hang."""
    done = run_suite("--services=docker", "--require-backends=postgres,sqlite,redis")
    if services.docker_engine_answers():
        assert done.returncode == 0, done.stdout[-3000:]
        assert done.stdout.count("(rung: docker") == 2
    else:
        assert done.returncode != 0
        for backend in ("postgres", "redis"):
            reason = f"required backend {backend}: UNAVAILABLE (docker: no Docker engine answers)"
            assert reason in done.stderr
