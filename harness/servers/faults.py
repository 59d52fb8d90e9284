"""Throwaway servers the faults feature may break: stop hard, restart, cut, stall.

The faults feature never touches the shared servers or an environment URL: it starts its own
PostgreSQL and Redis through the ladder's spawn rung (``Provisioner.spawn_postgres`` /
``spawn_redis``), one pair per pytest-xdist worker, started on first use and reset before
each scenario. Faults use the servers' own facilities:

- stop hard and start again on the same port and data: ``pg_ctl stop -m immediate`` then
  ``pg_ctl restart`` (which reads back the options the server was started with); Redis
  ``SHUTDOWN NOSAVE`` then ``redis-server`` again on the same port and folder;
- cut every client: ``pg_terminate_backend``; ``CLIENT KILL TYPE normal``;
- stall: ``CLIENT PAUSE``; on PostgreSQL a lock held in an open transaction;
- SQLite: another process holding the write lock (``BEGIN IMMEDIATE``).

Waiting loops (a port that must close, a server that must answer) go through tenacity.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import psycopg
import redis
from psycopg import sql
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from harness.servers.drivers import libpq, port_of, with_database
from harness.servers.ladder import (
    Provisioner,
    RungUnavailable,
    postgres_binaries,
    redis_binaries,
)
from harness.servers.pg_programs import PostgresPrograms, ProgramFailed

START_TIMEOUT = 60.0
ADMIN_TIMEOUT = 5
Persistence = Literal["none", "aof"]


class FaultServerUnavailable(Exception):
    """No throwaway server could be started for the faults feature; the message says why."""


class NotYet(Exception):
    """A condition a waiting loop polls for is not true yet."""


def wait_until(condition, what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll ``condition()`` until it is true; raise ``TimeoutError`` naming ``what`` if never."""

    def attempt() -> None:
        if not condition():
            raise NotYet(what)

    try:
        for tried in Retrying(
            stop=stop_after_delay(timeout),
            wait=wait_fixed(0.05),
            retry=retry_if_exception_type(NotYet),
            reraise=True,
        ):
            with tried:
                attempt()
    except NotYet:
        raise TimeoutError(f"{what}: not within {timeout:g} s") from None


def _start_reaper(directory: str, stop: list[str]) -> subprocess.Popen:
    """The ladder's watchdog, for a server this module restarted (it has a new process)."""
    return subprocess.Popen(
        [sys.executable, "-m", "harness.servers.reaper", str(os.getpid()), directory, "--", *stop],
        cwd=str(Path(__file__).resolve().parents[2]),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class ThrowawayPostgres:
    """A PostgreSQL server this run started, which may be stopped, cut and stalled."""

    def __init__(self, url: str, programs: PostgresPrograms) -> None:
        self.url = url
        self.programs = programs
        with self.admin() as conn:
            self.data = Path(conn.execute("SHOW data_directory").fetchone()[0])
            # The spawn rung trades durability for speed (synchronous_commit=off): a hard stop
            # would then lose commits already acknowledged. A role setting outranks the
            # command line, so every session here waits for its commit to reach the log.
            conn.execute("ALTER ROLE CURRENT_USER SET synchronous_commit = on")
        self.log = self.data.parent / "server.log"

    def admin(self, database: str | None = None) -> psycopg.Connection:
        """An autocommit connection to the server (to ``database``, or the URL's own)."""
        target = self.url if database is None else with_database(self.url, database)
        return psycopg.connect(libpq(target), autocommit=True, connect_timeout=ADMIN_TIMEOUT)

    def answers(self) -> bool:
        """Whether the server accepts a connection right now."""
        try:
            with self.admin() as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def stop_hard(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every client cut."""
        self.programs.pg_ctl(self.data, "-m", "immediate", "-w", "stop")

    def start(self) -> None:
        """Start again on the same port and data (``restart`` reuses the recorded options)."""
        restart = ("-l", str(self.log), "-w", "-t", str(int(START_TIMEOUT)), "restart")
        self.programs.pg_ctl(self.data, *restart)
        wait_until(self.answers, "PostgreSQL answering after a restart")

    def terminate_clients(self) -> int:
        """End every client connection but this one; how many were ended."""
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).fetchall()
        return sum(1 for (ended,) in rows if ended)

    @contextlib.contextmanager
    def lock_held(self, database: str, table: str) -> Iterator[None]:
        """Hold an exclusive lock on ``table`` in an open transaction until the block ends."""
        conn = self.admin(database)
        try:
            conn.autocommit = False
            lock = sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE")
            conn.execute(lock.format(sql.Identifier(table)))
            yield
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
            conn.close()

    def database_url(self, name: str) -> str:
        """The URL of the database ``name`` on this server."""
        return with_database(self.url, name)

    def create_database(self, name: str) -> str:
        """A new, empty database on this server; its URL."""
        with self.admin() as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def reset(self) -> None:
        """Running again, with no client (and so no lock) left from an earlier scenario."""
        if not self.answers():
            with contextlib.suppress(ProgramFailed):
                self.stop_hard()
            self.start()
        self.terminate_clients()


class ThrowawayRedis:
    """A Redis server this run started, which may be stopped, cut, paused, and restarted
    with or without an append-only file."""

    def __init__(self, url: str, binary: Path) -> None:
        self.url = url
        self.binary = binary
        self.port = port_of(url)
        with self.admin() as client:
            self.folder = client.config_get("dir")["dir"]
        self.persistence: Persistence = "none"
        self._process: subprocess.Popen | None = None
        self._reaper: subprocess.Popen | None = None

    def admin(self, timeout: float = ADMIN_TIMEOUT) -> redis.Redis:
        """A client for administering the server (not for the agents)."""
        return redis.Redis.from_url(
            self.url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
        )

    def answers(self) -> bool:
        """Whether the server answers PING and has finished loading its data."""
        try:
            with self.admin(1) as client:
                return client.info("persistence").get("loading", 0) == 0
        except redis.RedisError:
            return False

    def stop_hard(self) -> None:
        """Stop at once without saving anything (``SHUTDOWN NOSAVE``)."""
        with contextlib.suppress(redis.RedisError), self.admin() as client:
            client.shutdown(nosave=True)
        wait_until(lambda: not self.answers(), "Redis stopping")
        if self._process is not None:
            self._process.wait(timeout=START_TIMEOUT)
            self._forget_process()

    def start(self) -> None:
        """Start again on the same port and folder, keeping what its persistence kept."""
        appendonly = "yes" if self.persistence == "aof" else "no"
        self._process = subprocess.Popen(
            [
                str(self.binary),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", appendonly,
                "--appendfsync", "always",
                "--dir", self.folder,
                "--logfile", f"{self.folder}/server.log",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self._reaper = _start_reaper(self.folder, ["kill", "-TERM", str(self._process.pid)])
        wait_until(self.answers, "Redis answering after a restart")

    def keep(self, persistence: Persistence) -> None:
        """Keep nothing across a restart (``none``), or every acknowledged write (``aof``:
        an append-only file synced on every write)."""
        with self.admin() as client:
            client.config_set("appendfsync", "always")
            client.config_set("appendonly", "yes" if persistence == "aof" else "no")
            self.persistence = persistence
            if persistence == "aof":
                # Turning AOF on writes the data so far in the background; wait for it.
                wait_until(
                    lambda: (
                        client.info("persistence")["aof_rewrite_in_progress"] == 0
                        and client.info("persistence")["aof_rewrite_scheduled"] == 0
                    ),
                    "Redis writing its first append-only file",
                )

    def terminate_clients(self) -> int:
        """End every normal client connection but the admin's own; how many were ended."""
        with self.admin() as client:
            return int(client.execute_command("CLIENT", "KILL", "TYPE", "normal"))

    @contextlib.contextmanager
    def paused(self, seconds: float) -> Iterator[None]:
        """Stall every client's commands (``CLIENT PAUSE ... ALL``) for ``seconds``.

        Redis pauses ``CLIENT UNPAUSE`` too (7.0: any client's, on any connection), so a
        pause cannot be cut short: leaving the block waits until the server answers again.
        """
        with self.admin() as client:
            client.execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")
        try:
            yield
        finally:
            wait_until(self.answers, "Redis answering after a pause", timeout=seconds + 30)

    def reset(self) -> None:
        """Running, empty, keeping nothing, no client left: as a fresh throwaway server."""
        if not self.answers():
            self.start()
        with self.admin() as client:
            client.flushall()
        self.keep("none")
        self.terminate_clients()

    def _forget_process(self) -> None:
        if self._reaper is not None:
            self._reaper.kill()
            self._reaper.wait()
        self._process = self._reaper = None

    def close(self) -> None:
        """Stop a server this object restarted (the provisioner stops the first one)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=START_TIMEOUT)
            self._forget_process()


class FaultServers:
    """This worker's throwaway PostgreSQL and Redis, each started on first use."""

    def __init__(self) -> None:
        self._provisioner = Provisioner()
        self._postgres: ThrowawayPostgres | None = None
        self._redis: ThrowawayRedis | None = None
        self.prepared: set[str] = set()
        """Names of databases already prepared on the PostgreSQL (by the caller)."""
        self._why: dict[str, str] = {}

    def postgres(self) -> ThrowawayPostgres:
        """The throwaway PostgreSQL, started on first call, reset on every call."""
        if self._postgres is None:
            self._postgres = self._spawn("postgres", postgres_binaries(), self._start_postgres)
        self._postgres.reset()
        return self._postgres

    def redis(self) -> ThrowawayRedis:
        """The throwaway Redis, started on first call, reset on every call."""
        if self._redis is None:
            self._redis = self._spawn("redis", redis_binaries(), self._start_redis)
        self._redis.reset()
        return self._redis

    def _start_postgres(self, bindir: Path) -> ThrowawayPostgres:
        """Started by the ladder; stopped and restarted by the programs that started it."""
        service, programs = self._provisioner.start_postgres(bindir)
        return ThrowawayPostgres(str(service.url), programs)

    def _start_redis(self, binary: Path) -> ThrowawayRedis:
        return ThrowawayRedis(str(self._provisioner.spawn_redis(binary).url), binary)

    def _spawn(self, backend, binaries, start):
        """The server ``start`` makes from the first of ``binaries`` that starts one."""
        if backend in self._why:
            raise FaultServerUnavailable(self._why[backend])
        reasons = []
        for binary in binaries:
            try:
                return start(binary)
            except RungUnavailable as why:
                reasons.append(f"{binary}: {why}")
        self._why[backend] = f"no throwaway {backend} server: " + (
            "; ".join(reasons) or "no server binaries on the machine or from pip"
        )
        raise FaultServerUnavailable(self._why[backend])

    def close(self) -> None:
        """Stop every server started for the faults feature."""
        if self._redis is not None:
            self._redis.close()
        self._provisioner.stop_all()


_HOLDER = textwrap.dedent(
    """
    import select, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))
    conn.execute("ROLLBACK")
    """
)


@contextlib.contextmanager
def sqlite_write_lock_held(path: Path, seconds: float) -> Iterator[int]:
    """Another process holds the SQLite file's write lock until the block ends, ``seconds``
    at most; yields its process id."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = holder.stdout.readline().strip()
        if line != "locked":
            raise RuntimeError(f"the lock holder did not take the lock: {line!r}")
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
