"""Does a server answer, and which version is it? Asked with the drivers alone.

The ladder needs no more of a server than that (agentstore's doctor says much more, for its
users); a server that does not answer raises :class:`Silent`, its message one line with the
password hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import psycopg
import redis
from redis.exceptions import RedisClusterException

from harness.servers.drivers import connect_cluster, connect_redis, hidden, libpq, shown

SLOTS = 16384


class Silent(Exception):
    """The server does not answer (or, for a cluster, is not whole); the message says why."""


@dataclass(frozen=True)
class Answer:
    """What a server said: its version, where it is (password hidden), and more words."""

    version: str
    where: str
    details: str = ""


def _first_line(error: BaseException, url: str) -> str:
    text = str(error).strip() or type(error).__name__
    return hidden(text.splitlines()[0], url)


TIMEOUT = 2.0
"""How long a probe waits for a server to connect, and then for each answer."""


def postgres(url: str, timeout: float = TIMEOUT) -> Answer:
    """``SHOW server_version`` of the PostgreSQL at ``url``."""
    try:
        with psycopg.connect(libpq(url), connect_timeout=max(1, math.ceil(timeout))) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except (psycopg.Error, ValueError) as error:
        raise Silent(
            f"PostgreSQL at {shown(url)} is unreachable: {_first_line(error, url)}"
        ) from None
    return Answer(str(row[0]).split()[0] if row else "unknown", shown(url))


def redis_server(url: str, timeout: float = TIMEOUT) -> Answer:
    """``INFO server`` of the Redis at ``url``."""
    try:
        client = connect_redis(url, timeout, socket_timeout=timeout)
    except (redis.RedisError, ValueError) as error:
        raise Silent(f"Redis at {shown(url)} is unreachable: {_first_line(error, url)}") from None
    try:
        version = client.info("server")["redis_version"]
    except redis.RedisError as error:
        raise Silent(f"Redis at {shown(url)} is unreachable: {_first_line(error, url)}") from None
    finally:
        client.close()
    return Answer(str(version), shown(url))


def cluster(url: str, timeout: float = TIMEOUT) -> Answer:
    """The Redis Cluster at ``url``, whole: state ok and every slot covered by a live master."""
    try:
        client = connect_cluster(url, timeout, socket_timeout=timeout)
    except (RedisClusterException, redis.RedisError, ValueError) as error:
        raise Silent(
            f"Redis Cluster at {shown(url)} is unreachable: {_first_line(error, url)}"
        ) from None
    try:
        health = _health(client)
    except (RedisClusterException, redis.RedisError) as error:
        raise Silent(
            f"Redis Cluster at {shown(url)} is unreachable: {_first_line(error, url)}"
        ) from None
    finally:
        client.close()
    state, slots_ok, masters, replicas, version = health
    details = (
        f"state {state}, {slots_ok}/{SLOTS} slots covered, {masters} masters, {replicas} replicas"
    )
    if state != "ok" or slots_ok != SLOTS:
        raise Silent(f"Redis Cluster at {shown(url)} is not whole: {details}")
    return Answer(version, shown(url), details)


def _health(client: redis.RedisCluster) -> tuple[str, int, int, int, str]:
    """State, slots covered, live masters and replicas, version: from the first node that
    answers (a dead node is part of the answer, not a reason to fail)."""
    failure: Exception | None = None
    for node in client.get_nodes():
        server = node.redis_connection
        try:
            info = server.cluster("INFO")
            nodes = server.cluster("NODES")
            version = server.info("server")["redis_version"]
        except redis.RedisError as error:
            failure = error
            continue
        flags = [set(entry["flags"].split(",")) for entry in nodes.values()]
        live = [f for f in flags if not f & {"fail", "fail?", "noaddr"}]
        return (
            str(info["cluster_state"]),
            int(info["cluster_slots_ok"]),
            sum("master" in f for f in live),
            sum("slave" in f for f in live),
            str(version),
        )
    raise failure or redis.ConnectionError("the cluster has no nodes")
