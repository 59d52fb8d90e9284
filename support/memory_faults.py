"""Dropping a memory's connections from the server side, as a restart or a failover would.

Looks under the public API on purpose: it asks the server to end the store's own sessions
and nothing else's (PostgreSQL: the sessions on the store's own database; Redis: the client
ids of the store's own connections), so it is safe on a shared server.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
import redis

from agentstore.urls import libpq_url

_OTHERS = (
    " FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


def postgres_sessions(url: str) -> int:
    """How many client sessions the server holds on the database of ``url`` (ours left out)."""
    with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as admin:
        row = admin.execute("SELECT count(*)" + _OTHERS).fetchone()
    return int(row[0]) if row else 0


def terminate_postgres_sessions(url: str, settle_seconds: float = 10.0) -> int:
    """End every client session on the database of ``url`` (only that database's), wait until
    the server has let them go, and say how many there were."""
    with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as admin:
        row = admin.execute("SELECT count(pg_terminate_backend(pid))" + _OTHERS).fetchone()
        deadline = time.monotonic() + settle_seconds
        while time.monotonic() < deadline:
            left = admin.execute("SELECT count(*)" + _OTHERS).fetchone()
            if left is not None and left[0] == 0:
                break
            time.sleep(0.01)
    return int(row[0]) if row else 0


def redis_client_ids(client: redis.Redis) -> list[int]:
    """The server's ids of every idle connection in ``client``'s pool."""
    ids = []
    for connection in list(client.connection_pool._available_connections):  # type: ignore[attr-defined]
        connection.send_command("CLIENT", "ID")
        ids.append(int(connection.read_response()))
    return ids


def kill_redis_clients(url: str, ids: list[int]) -> int:
    """``CLIENT KILL ID`` for each of ``ids`` (connections the caller owns); how many died."""
    admin: Any = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        return sum(int(admin.execute_command("CLIENT", "KILL", "ID", str(i))) for i in ids)
    finally:
        admin.close()
