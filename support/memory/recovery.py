"""Dropping a memory's connections from the server side, as a restart or a failover would.

Looks under the public API on purpose: it asks the server to end the store's own sessions
and nothing else's (PostgreSQL: the sessions on the store's own database; Redis: the client
ids of the store's own connections; Redis Cluster: the same, on every node the store's
cluster client holds connections to), so it is safe on a shared server.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
import redis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from agentstore.memory.redis_cluster import connect_cluster
from agentstore.urls import libpq_url
from support.api.facade import Facade
from support.common.expect import expect

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


def open_connections(store: Any, count: int) -> None:
    """Make the store's pool open ``count`` connections and leave them idle (under the API:
    a pool opens connections only as calls need them)."""
    if isinstance(store, Facade):
        store.run(_open_async_connections(store.inner, count))
        return
    engine = getattr(store, "_engine", None) or getattr(store, "engine", None)
    if engine is not None:  # SQL: SQLAlchemy's pool
        held = [engine.pool.connect() for _ in range(count)]
        for connection in held:
            connection.close()
        return
    client = store._client
    if isinstance(client, RedisCluster):  # the pool of the master that keeps the store
        client = client.get_node_from_key(store._index).redis_connection
    pool = client.connection_pool
    taken = [pool.get_connection() for _ in range(count)]
    for connection in taken:
        connection.send_command("PING")
        connection.read_response()
        pool.release(connection)


def drop_connections(backend: str, url: str, store: Any) -> int:
    """Have the server end every connection ``store`` holds (and nobody else's); how many."""
    if backend == "redis_cluster":
        if isinstance(store, Facade):
            return kill_ids_on_nodes(url, store.run(_async_cluster_client_ids(store.inner)))
        return kill_cluster_clients(url, store._client)
    if backend == "redis":
        if isinstance(store, Facade):
            return kill_redis_clients(url, store.run(_async_redis_client_ids(store.inner)))
        return kill_redis_clients(url, redis_client_ids(store._client))
    return terminate_postgres_sessions(url)


def kill_cluster_clients(url: str, client: RedisCluster) -> int:
    """Every idle connection ``client`` holds, on every node, ended by that node; how many.

    The cluster client keeps one pool per node; each node is asked, through a client of
    its own, to end the ids of that node's pool only.
    """
    ids = {
        (node.host, node.port): redis_client_ids(node.redis_connection)
        for node in client.get_nodes()
        if node.redis_connection is not None
    }
    return kill_ids_on_nodes(url, ids)


def kill_ids_on_nodes(url: str, ids: dict[tuple[str, int], list[int]]) -> int:
    """Each node ends the client ids listed for it (through a client of our own); how many."""
    admin = connect_cluster(url, timeout=5)
    try:
        killed = 0
        for (host, port), node_ids in ids.items():
            target = admin.get_node(host, port)
            for i in node_ids:
                reply = admin.execute_command("CLIENT", "KILL", "ID", str(i), target_nodes=target)
                killed += int(reply)
        return killed
    finally:
        admin.close()


async def _open_async_connections(store: Any, count: int) -> None:
    """``open_connections`` for an ``agentstore.asyncio`` store."""
    if hasattr(store, "_connections"):  # SQL: the store's own hand of connections
        held = [await store._connections.take() for _ in range(count)]
        for entry in held:
            store._connections.give(entry)
        return
    if isinstance(store._client, AsyncRedisCluster):  # the master that keeps the store
        node = store._client.get_node_from_key(store._index)
        taken = [node.acquire_connection() for _ in range(count)]
        for connection in taken:
            await connection.send_command("PING")
            await connection.read_response()
            node.release(connection)
        return
    pool = store._client.connection_pool
    taken = [await pool.get_connection() for _ in range(count)]
    for connection in taken:
        await connection.send_command("PING")
        await connection.read_response()
        await pool.release(connection)


async def _async_cluster_client_ids(store: Any) -> dict[tuple[str, int], list[int]]:
    """The ids of the idle connections an ``agentstore.asyncio`` cluster store holds, by node."""
    return {
        (node.host, node.port): await _async_ids(list(node._free))
        for node in store._client.get_nodes()
        if node._free
    }


async def _async_redis_client_ids(store: Any) -> list[int]:
    """``redis_client_ids`` for an ``agentstore.asyncio`` store."""
    return await _async_ids(list(store._client.connection_pool._available_connections))


async def _async_ids(connections: list[Any]) -> list[int]:
    """The server's id of each of ``connections`` (idle asyncio connections), asked on each."""
    ids = []
    for connection in connections:
        await connection.send_command("CLIENT", "ID")
        ids.append(int(await connection.read_response()))
    return ids


def every_kind_of_call(memory: Any, rounds: int) -> int:
    """``rounds`` rounds of store, retrieve, increment, compare-and-set, batch, list and exists
    on keys of their own ("aqe/drill/..."); each checks its answer. Returns the calls made."""
    calls = 0
    for n in range(rounds):
        memory.store(f"aqe/drill/{n}", {"round": n})
        round_ = f"in round {n + 1}"
        expect(memory.retrieve(f"aqe/drill/{n}"), {"round": n}, f"{round_}, the recalled fact")
        expect(memory.increment("aqe/drill-count"), n + 1, f"{round_}, the counter at")
        swapped = memory.compare_and_set("aqe/drill-flag", None if n == 0 else n - 1, n)
        expect(swapped, True, f"{round_}, compare-and-set to succeed:")
        memory.store_many({f"aqe/drill-many/{n}/{i}": i for i in range(3)})
        many = len(memory.list_keys("aqe/drill-many/"))
        expect(many, 3 * (n + 1), f"{round_}, the number of batch keys listed")
        expect(memory.exists(f"aqe/drill/{n}"), True, f"{round_}, the fact to exist:")
        calls += 7
    return calls
