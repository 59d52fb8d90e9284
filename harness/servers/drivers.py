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


_SECRET_NAME = re.compile(r"pass|secret|token|key", re.IGNORECASE)
"""A query parameter whose name holds one of these carries a secret (``sslpassword``...)."""


def _parts(url: str) -> tuple[str, str, str, str]:
    """``scheme://``, the userinfo, the rest before the query, and the query (``?...``): the
    login is looked for before the query only, where an ``@`` may be a password's."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", "", url, ""
    head, mark, query = rest.partition("?")
    userinfo, _, hosts = head.rpartition("@")
    return scheme + sep, userinfo, hosts, mark + query


def _userinfo(url: str) -> str:
    return _parts(url)[1]


def password(url: str) -> str:
    """The password a URL carries, as written (empty when there is none)."""
    return _userinfo(url).partition(":")[2]


def _is_secret(pair: str) -> bool:
    name, equals, value = pair.partition("=")
    return bool(equals and value and _SECRET_NAME.search(unquote(name)))


def _query_secrets(url: str) -> list[str]:
    return [pair.partition("=")[2] for pair in _parts(url)[3][1:].split("&") if _is_secret(pair)]


def shown(url: str) -> str:
    """``url`` with its secrets hidden (``***``): the password of its login and the value of
    every query parameter whose name holds pass, secret, token or key."""
    scheme, userinfo, hosts, query = _parts(url)
    user, colon, secret = userinfo.partition(":")
    login = f"{user}:***@" if secret else (userinfo + "@" if userinfo or colon else "")
    if query:
        pairs = query[1:].split("&")
        hid = [p.partition("=")[0] + "=***" if _is_secret(p) else p for p in pairs]
        query = "?" + "&".join(hid)
    return f"{scheme}{login}{hosts}{query}"


def hidden(text: str, url: str) -> str:
    """A driver's ``text`` about ``url`` with its secrets (as written or decoded) hidden."""
    written = [password(url), *_query_secrets(url)]
    for secret in sorted({s for w in written for s in (w, unquote(w))} - {""}, key=len)[::-1]:
        text = text.replace(secret, "***")
    return text


def libpq(url: str) -> str:
    """A PostgreSQL URL as libpq (psycopg) reads it: no ``+driver`` in the scheme."""
    return _DRIVER.sub("postgresql://", url)


def with_database(url: str, database: str) -> str:
    """The same PostgreSQL server's URL naming another database (the query kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def database_of(url: str) -> str:
    """The database a PostgreSQL URL names (what :func:`with_database` put there)."""
    return unquote(urlsplit(url).path.removeprefix("/"))


def port_of(url: str) -> int:
    """The TCP port a server URL names (``ValueError`` for one that names none)."""
    port = urlsplit(url).port
    if port is None:
        raise ValueError(f"no port in {shown(url)}")
    return port


@dataclass(frozen=True)
class ClusterURL:
    """What a ``redis+cluster://`` URL names: some of its nodes, and how to log in."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    ssl: bool


def cluster_url(url: str) -> ClusterURL:
    """Read a ``redis+cluster://`` URL (``ValueError`` for one that names no node)."""
    scheme, userinfo, hosts, _ = _parts(url)
    user, _, secret = userinfo.partition(":")
    nodes = []
    for node in hosts.split("/", 1)[0].split(","):
        host, _, port = node.rpartition(":")
        nodes.append((host.strip("[]"), int(port)))
    return ClusterURL(
        tuple(nodes), unquote(user) or None, unquote(secret) or None, scheme.startswith("rediss")
    )


def is_cluster(url: str) -> bool:
    """Whether ``url`` names a Redis Cluster."""
    return url.split("://", 1)[0].endswith("+cluster")


def connect_cluster(url: str, timeout: float = 5.0, socket_timeout: float = 30.0) -> RedisCluster:
    """redis-py's cluster client for ``url``, its slot map read (raises redis-py's errors);
    ``timeout`` bounds connecting, ``socket_timeout`` (at least ``timeout``) each answer."""
    found = cluster_url(url)
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in found.nodes],
        username=found.username,
        password=found.password,
        ssl=found.ssl,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, socket_timeout),
    )


def connect_redis(url: str, timeout: float = 5.0, socket_timeout: float = 30.0) -> redis.Redis:
    """redis-py's client for a single Redis ``url`` (``ValueError`` for one it cannot read);
    ``timeout`` bounds connecting, ``socket_timeout`` (at least ``timeout``) each answer."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=max(timeout, socket_timeout)
    )
