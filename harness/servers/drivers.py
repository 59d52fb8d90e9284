"""A server URL as the drivers read it: the harness's own, small reading (it knows nothing of
agentstore). The forms it reads are the ones the specification runs against:
``postgresql+psycopg://``, ``redis://``/``rediss://``/``unix://`` and
``redis+cluster://[user:password@]host:port[,host:port...]/`` (``rediss+cluster`` with TLS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import redis
from redis.cluster import ClusterNode, RedisCluster

_DRIVER = re.compile(r"^(postgres(?:ql)?)(\+\w+)?://")


def _userinfo(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.rpartition("@")[0]


def password(url: str) -> str:
    """The password a URL carries, as written (empty when there is none)."""
    return _userinfo(url).partition(":")[2]


def shown(url: str) -> str:
    """``url`` with its password hidden (``***``), to name a server in a message."""
    secret = password(url)
    if not secret:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, _, hosts = rest.rpartition("@")
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{hosts}"


def hidden(text: str, url: str) -> str:
    """A driver's ``text`` about ``url`` with the password (as written or decoded) hidden."""
    for secret in {password(url), unquote(password(url))} - {""}:
        text = text.replace(secret, "***")
    return text


def libpq(url: str) -> str:
    """A PostgreSQL URL as libpq (psycopg) reads it: no ``+driver`` in the scheme."""
    return _DRIVER.sub("postgresql://", url)


def with_database(url: str, database: str) -> str:
    """The same PostgreSQL server's URL naming another database (the query kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


@dataclass(frozen=True)
class ClusterURL:
    """What a ``redis+cluster://`` URL names: some of its nodes, and how to log in."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    ssl: bool


def cluster_url(url: str) -> ClusterURL:
    """Read a ``redis+cluster://`` URL (``ValueError`` for one that names no node)."""
    scheme, rest = url.split("://", 1)
    userinfo, _, hosts = rest.rpartition("@")
    user, _, secret = userinfo.partition(":")
    nodes = []
    for node in re.split(r"[/?]", hosts, maxsplit=1)[0].split(","):
        host, _, port = node.rpartition(":")
        nodes.append((host.strip("[]"), int(port)))
    if not nodes:
        raise ValueError(f"no node in {shown(url)}")
    return ClusterURL(
        tuple(nodes), unquote(user) or None, unquote(secret) or None, scheme.startswith("rediss")
    )


def is_cluster(url: str) -> bool:
    """Whether ``url`` names a Redis Cluster."""
    return url.split("://", 1)[0].endswith("+cluster")


def connect_cluster(url: str, timeout: float = 5.0) -> RedisCluster:
    """redis-py's cluster client for ``url``, its slot map read (raises redis-py's errors)."""
    found = cluster_url(url)
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in found.nodes],
        username=found.username,
        password=found.password,
        ssl=found.ssl,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, 30.0),
    )


def connect_redis(url: str, timeout: float = 5.0) -> redis.Redis:
    """redis-py's client for a single Redis ``url``."""
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=30)
