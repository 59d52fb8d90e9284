"""Scan every master for key names: the one place that does it, for the harness and support/.

A SCAN sees one node only, so on a Redis Cluster each master is scanned on its own; on a
single Redis the one server is its only master. A store keeps its keys in one hash slot, so a
name may start with the hash tag's ``{`` before the prefix: :func:`holding` matches a prefix
anywhere in a name, :func:`under` at its start, with or without the brace.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import redis

from harness.servers.drivers import ClusterURL, cluster_url, connect_redis, is_cluster, shown

_SPECIAL = set("*?[]\\")


def literal(text: str) -> str:
    """``text`` as a Redis MATCH pattern that matches exactly itself."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def holding(prefix: str) -> list[str]:
    """MATCH patterns for names that hold ``prefix`` anywhere."""
    return ["*" + literal(prefix) + "*"]


def under(prefix: str) -> list[str]:
    """MATCH patterns for names under ``prefix`` (or ``{prefix``: a hash tag's brace)."""
    return [literal(prefix) + "*", literal("{" + prefix) + "*"]


class Found(NamedTuple):
    """A name, and the master keeping it (its ``host:port`` and a client of that node only)."""

    master: str
    server: redis.Redis
    name: bytes


@contextmanager
def masters(url: str, timeout: float = 5.0) -> Iterator[list[tuple[str, redis.Redis]]]:
    """Every master of ``url`` (its ``host:port`` and a client of that node only), for the
    ``with`` block: the connection is closed when it ends, after whatever it did there."""
    if not is_cluster(url):
        client = connect_redis(url, timeout)
        options = client.connection_pool.connection_kwargs
        try:
            yield [(f"{options.get('host')}:{options.get('port')}", client)]
        finally:
            client.close()
        return
    found = cluster_masters(url, timeout)
    try:
        yield found
    finally:
        for _, client in found:
            client.close()


def cluster_masters(url: str, timeout: float = 5.0) -> list[tuple[str, redis.Redis]]:
    """The masters that hold slots in the cluster at ``url`` and are not marked failed, each as
    ``host:port`` and a client of that node only, as the first node that answers lists them
    (CLUSTER NODES; a node that does not know its own address, as in a one-node cluster, is
    where that answer came from).

    Not redis-py's cluster client: it asks every new client's node for the whole COMMAND
    table, and this runs after every scenario (4.7 % of the specification's own CPU)."""
    address = cluster_url(url)
    failure: Exception = redis.ConnectionError(f"{shown(url)} names no node")
    for host, port in address.nodes:
        try:
            with _node(address, host, port, timeout) as node:
                listed = node.cluster("NODES")
        except redis.RedisError as error:
            failure = error
            continue
        masters = []
        for name, entry in listed.items():
            flags = set(entry["flags"].split(","))
            if "master" in flags and not flags & {"fail", "noaddr"} and entry["slots"]:
                master_host, _, master_port = name.rpartition(":")
                master_host = master_host if master_host not in ("", "?") else host
                found = f"{master_host}:{master_port}"
                masters.append((found, _node(address, master_host, int(master_port), timeout)))
        return masters
    raise failure


def _node(address: ClusterURL, host: str, port: int, timeout: float) -> redis.Redis:
    """A client of one cluster node, logged in as the cluster's URL says."""
    return redis.Redis(
        host=host.strip("[]"),
        port=port,
        username=address.username,
        password=address.password,
        ssl=address.ssl,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, 30.0),  # a SCAN of a large master may take a while
    )


def scan(url: str, patterns: Sequence[str], timeout: float = 5.0) -> Iterator[Found]:
    """Every name on every master of ``url`` matching one of ``patterns`` (a name once); the
    connection is closed when the iteration ends (to act on a master after its last name, use
    :func:`masters` and :func:`names`)."""
    with masters(url, timeout) as found:
        for master, server in found:
            yield from (Found(master, server, name) for name in names(server, patterns))


def names(server: redis.Redis, patterns: Sequence[str]) -> Iterator[bytes]:
    """Every name on ``server`` (one node) matching one of ``patterns``, each once."""
    seen: set[bytes] = set()
    for match in patterns:
        for name in server.scan_iter(match=match, count=1000):
            if name not in seen:
                seen.add(name)
                yield name
