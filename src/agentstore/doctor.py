"""Health checks: does a backend answer, and which version is it?

Used by ``agentstore doctor`` (the test harness asks its servers with the drivers alone,
``harness/servers/probes.py``).
Every check is bounded by a connect timeout, so an unreachable host fails fast, never hangs.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from agentstore.auth import authentication_failed, is_postgres_auth
from agentstore.db import sqlite_files
from agentstore.errors import AuthenticationFailed, BackendUnavailable
from agentstore.urls import (
    Backend,
    backend_of,
    expect,
    label,
    migrate_command,
    redact,
    scrub,
    sqlalchemy_url,
    unusable,
)

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
    details: str = ""

    def __str__(self) -> str:
        more = f" ({self.details})" if self.details else ""
        return f"{label(self.backend)} {self.version} at {self.where}{more}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


#: Alembic's table holding the revision a database is at.
_VERSION_TABLE = "alembic_version"


def schema_state(revision: str | None, url: str) -> str:
    """How far the schema at ``url`` is migrated, in words: at head, behind, unknown, none."""
    from agentstore.migrations import runner

    head = runner.head()
    if revision is None:
        return f"not migrated: run {migrate_command(url)}"
    if revision == head:
        return f"schema at {revision} (head)"
    if revision in {r.id for r in runner.history()}:
        return f"schema at {revision}, head is {head}: run {migrate_command(url)}"
    return f"schema at {revision}, newer than this agentstore (head {head})"


def postgres_connect_args(url: str) -> dict[str, Any]:
    """What psycopg connects with, read by the parser SQLAlchemy connects with (``make_url``),
    so the doctor checks the very server, user and password an engine would use."""
    try:
        parsed = make_url(sqlalchemy_url(url))
    except (ArgumentError, ValueError):  # a port that is no number, say
        raise unusable(url, "postgres") from None
    args: dict[str, Any] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    args.update(parsed.query)
    return {name: value for name, value in args.items() if value is not None}


def check_postgres(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Connect to PostgreSQL and report its version; ``BackendUnavailable`` if it won't answer."""
    import psycopg

    expect(url, "postgres")
    args = postgres_connect_args(url)
    try:
        with psycopg.connect(connect_timeout=max(1, math.ceil(timeout)), **args) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            table = conn.execute("SELECT to_regclass(%s)", (_VERSION_TABLE,)).fetchone()
            found = (
                conn.execute(f"SELECT version_num FROM {_VERSION_TABLE}").fetchone()
                if table and table[0]
                else None
            )
    except psycopg.Error as error:
        if is_postgres_auth(error):
            raise authentication_failed(url) from None
        raise BackendUnavailable(
            f"PostgreSQL at {redact(url)} is unreachable: {scrub(_first_line(error), url)}"
        ) from None
    except ValueError as error:  # a port psycopg cannot read, say
        raise unusable(url, "postgres", _first_line(error)) from None
    version = str(row[0]) if row else "unknown"
    revision = str(found[0]) if found else None
    return BackendReport(
        "postgres", redact(url), version.split()[0], details=schema_state(revision, url)
    )


def check_redis(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Ping Redis and report its version; ``BackendUnavailable`` if it won't answer.

    A ``redis+cluster://`` URL is checked as a cluster (:func:`check_redis_cluster`).
    """
    import redis

    from agentstore.memory.redis_backend import connect

    if backend_of(url) == "redis_cluster":
        return check_redis_cluster(url, timeout)
    expect(url, "redis")
    client = connect(url, timeout, socket_timeout=timeout)
    try:
        version = client.info("server")["redis_version"]
        warnings = redis_persistence_warnings(client, redact(url))
    except redis.RedisError as error:
        raise BackendUnavailable(
            f"Redis at {redact(url)} is unreachable: {scrub(_first_line(error), url)}"
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


def check_redis_cluster(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Report a Redis Cluster's version, state and slot coverage.

    ``BackendUnavailable`` when no node answers, or when the cluster is not whole: its state is
    not ok or some of the 16384 slots have no live master (the message says which).
    """
    import redis

    from agentstore.memory import redis_cluster

    expect(url, "redis_cluster")
    try:
        client = redis_cluster.connect_cluster(url, timeout, socket_timeout=timeout)
    except AuthenticationFailed:
        raise
    except BackendUnavailable:
        lone = _lone_node(url, timeout)
        if lone is None:
            raise
        raise BackendUnavailable(
            f"Redis Cluster at {redact(url)}: {lone} is a lone Redis node, not a cluster: "
            f"use redis://{lone}/0"
        ) from None
    try:
        health = redis_cluster.health(client)
    except (redis.RedisError, redis.exceptions.RedisClusterException) as error:
        raise BackendUnavailable(
            f"Redis Cluster at {redact(url)} is unreachable: {scrub(_first_line(error), url)}"
        ) from None
    finally:
        client.close()
    if health.state != "ok" or health.slots_ok != redis_cluster.SLOTS:
        raise BackendUnavailable(f"Redis Cluster at {redact(url)} is not whole: {health}")
    return BackendReport("redis_cluster", redact(url), health.version, details=str(health))


def _lone_node(url: str, timeout: float) -> str | None:
    """The first node of a cluster URL that answers as a Redis with cluster mode off
    (``INFO cluster`` says ``cluster_enabled:0``), as ``host:port``; ``None`` if none does.
    One try per node: redis-py's default retries (with backoff) made a refused port cost about
    4 s whatever ``--timeout`` said."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from agentstore.urls import cluster_address

    address = cluster_address(url)
    for host, port in address.nodes:
        node = redis.Redis(
            host=host,
            port=port,
            username=address.username,
            password=address.password,
            ssl=address.ssl,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            if not int(node.info("cluster").get("cluster_enabled", 1)):
                return f"{host}:{port}"
        except redis.RedisError:
            continue
        finally:
            node.close()
    return None


def sqlite_path(path_or_url: str) -> str:
    """The file behind a SQLite path or ``sqlite:///`` URL (``:memory:`` for an in-memory one)."""
    if "://" not in path_or_url:
        return path_or_url
    expect(path_or_url, "sqlite")
    path = sqlite_files.sqlite_path(path_or_url)
    return ":memory:" if path is None else str(path)


def check_sqlite(path_or_url: str) -> BackendReport:
    """Open a SQLite database file read-only (or ``:memory:``) and report the library version.

    A file that does not exist fails, like every other path that refuses one: the doctor
    never reports an in-memory database in its place, and never creates the file.
    """
    path = sqlite_path(path_or_url)
    if path != ":memory:":
        folder = Path(path).resolve().parent
        if not folder.is_dir():
            raise BackendUnavailable(f"SQLite at {path}: the folder {folder} does not exist")
        if not Path(path).exists():
            raise BackendUnavailable(f"SQLite at {path}: the file does not exist")
    try:
        target = ":memory:" if path == ":memory:" else f"file:{path}?mode=ro"
        with sqlite3.connect(target, uri=True, timeout=DEFAULT_TIMEOUT) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            version = conn.execute("SELECT sqlite_version()").fetchone()[0]
            found = (
                conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (_VERSION_TABLE,),
                ).fetchone()
                and conn.execute(f"SELECT version_num FROM {_VERSION_TABLE}").fetchone()
            )
    except sqlite3.Error as error:
        raise BackendUnavailable(
            f"SQLite at {path} cannot be opened: {_first_line(error)}"
        ) from None
    if path == ":memory:":
        return BackendReport("sqlite", path, version)
    revision = str(found[0]) if found else None
    return BackendReport(
        "sqlite", path, version, details=schema_state(revision, f"sqlite:///{Path(path).resolve()}")
    )


def check(url: str, timeout: float = DEFAULT_TIMEOUT) -> BackendReport:
    """Check any supported URL, dispatching on its scheme."""
    backend = backend_of(url)
    if backend == "postgres":
        return check_postgres(url, timeout)
    if backend in ("redis", "redis_cluster"):
        return check_redis(url, timeout)
    return check_sqlite(url)
