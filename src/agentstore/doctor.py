"""Health checks: does a backend answer, and which version is it?

Used by ``agentstore doctor`` and by the test harness to decide whether a server is usable.
Every check is bounded by a connect timeout, so an unreachable host fails fast, never hangs.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentstore.db import sqlite_files
from agentstore.errors import BackendUnavailable
from agentstore.urls import Backend, backend_of, expect, label, libpq_url, redact

if TYPE_CHECKING:
    import redis

DEFAULT_TIMEOUT = 3.0


@dataclass(frozen=True)
class BackendReport:
    """What a check found: the backend, where it is (password hidden), its version, and
    warnings about how it runs (one line each; the backend answers all the same)."""

    backend: Backend
    where: str
    version: str
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{label(self.backend)} {self.version} at {self.where}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def check_postgres(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Connect to PostgreSQL and report its version; ``BackendUnavailable`` if it won't answer."""
    import psycopg

    conninfo = libpq_url(url)
    try:
        with psycopg.connect(conninfo, connect_timeout=max(1, math.ceil(timeout))) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        raise BackendUnavailable(
            f"PostgreSQL at {redact(url)} is unreachable: {_first_line(error)}"
        ) from None
    return BackendReport("postgres", redact(url), version.split()[0])


def check_redis(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Ping Redis and report its version; ``BackendUnavailable`` if it won't answer."""
    import redis

    from agentstore.memory.redis_backend import connect

    expect(url, "redis")
    client = connect(url, timeout, socket_timeout=timeout)
    try:
        version = client.info("server")["redis_version"]
        warnings = redis_persistence_warnings(client, redact(url))
    except redis.RedisError as error:
        raise BackendUnavailable(
            f"Redis at {redact(url)} is unreachable: {_first_line(error)}"
        ) from None
    finally:
        client.close()
    return BackendReport("redis", redact(url), str(version), warnings)


def redis_persistence_warnings(client: redis.Redis, where: str) -> tuple[str, ...]:
    """What a restart of this Redis would lose: everything (no append-only file, no
    snapshots), or the writes since the last snapshot. Nothing to say with an append-only file.

    ``INFO persistence`` says whether the append-only file is on; the snapshot schedule comes
    from ``CONFIG GET save``, which managed services may refuse: then it is not mentioned.
    """
    import redis

    if int(client.info("persistence").get("aof_enabled", 0)):
        return ()
    try:
        snapshots = str(client.config_get("save").get("save", "")).strip()
    except redis.ResponseError:
        return (
            f"Redis at {where} runs without an append-only file: "
            "writes since its last snapshot, if any, are lost when it restarts",
        )
    if not snapshots:
        return (
            f"Redis at {where} runs without persistence (no append-only file, no snapshots): "
            "it keeps nothing when it restarts",
        )
    return (
        f"Redis at {where} runs without an append-only file: "
        "writes since its last snapshot are lost when it restarts",
    )


def sqlite_path(path_or_url: str) -> str:
    """The file behind a SQLite path or ``sqlite:///`` URL (``:memory:`` for an in-memory one)."""
    if "://" not in path_or_url:
        return path_or_url
    expect(path_or_url, "sqlite")
    path = sqlite_files.sqlite_path(path_or_url)
    return ":memory:" if path is None else str(path)


def check_sqlite(path_or_url: str) -> BackendReport:
    """Open a SQLite database (a new file's folder must exist) and report the library version."""
    path = sqlite_path(path_or_url)
    if path != ":memory:":
        folder = Path(path).resolve().parent
        if not folder.is_dir():
            raise BackendUnavailable(f"SQLite at {path}: the folder {folder} does not exist")
    try:
        target = f"file:{path}?mode=ro" if Path(path).exists() else ":memory:"
        with sqlite3.connect(target, uri=True, timeout=DEFAULT_TIMEOUT) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    except sqlite3.Error as error:
        raise BackendUnavailable(
            f"SQLite at {path} cannot be opened: {_first_line(error)}"
        ) from None
    return BackendReport("sqlite", path, version)


def check(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Check any supported URL, dispatching on its scheme."""
    backend = backend_of(url)
    if backend == "postgres":
        return check_postgres(url, timeout)
    if backend == "redis":
        return check_redis(url, timeout)
    return check_sqlite(url)
