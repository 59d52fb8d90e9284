"""Redis Cluster: redis-py's cluster client for a ``redis+cluster://`` URL, and its health.

One store keeps all its keys in one hash slot (its names share a hash tag), so its scripts
run on one master; different stores land on different slots and so spread over the masters.
The client follows the cluster as it changes: when a master dies and its replica takes over,
calls fail (``BackendUnavailable``) until the cluster is whole again, then work again on the
same client, without reopening anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import (
    ClusterDownError,
    ClusterError,
    RedisClusterException,
    RedisClusterUnreachableError,
    SlotNotCoveredError,
)
from redis.retry import Retry

from agentstore import errors
from agentstore.db.failures import one_line
from agentstore.urls import BackendURL, parse

SLOTS = 16384

UNAVAILABLE: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    ClusterDownError,  # CLUSTERDOWN / MASTERDOWN: a master failed and no replica took over yet
    ClusterError,  # redirected too often while slots move
    RedisClusterUnreachableError,  # no node answered a read of the slot map
    SlotNotCoveredError,  # the map read leaves a slot without a master
)
"""What a cluster raises while a node is gone or failing over: the backend is unavailable
(``BackendUnavailable``). redis-py's other cluster errors (a cross-slot transaction, a
command it cannot route) are mistakes in agentstore, and stay what they are."""


@contextlib.contextmanager
def reading_map() -> Iterator[None]:
    """Around agentstore's own reads of the slot map (``nodes_manager.initialize()``): the
    plain ``RedisClusterException`` redis-py raises when the nodes answer but their maps
    leave slots uncovered or disagree becomes ``ClusterDownError``, one of ``UNAVAILABLE``."""
    try:
        yield
    except RedisClusterException as exc:
        if type(exc) is RedisClusterException:
            raise ClusterDownError(str(exc)) from exc
        raise


def connect_cluster(
    url: str | BackendURL, timeout: float = 3.0, socket_timeout: float = 30.0
) -> RedisCluster:
    """A cluster client for ``url`` that has read the cluster's slot map.

    Raises ``InvalidURL`` for a URL that names no usable node and ``BackendUnavailable`` (one
    line, password hidden) when no node answers or the cluster does not cover every slot.
    """
    url = parse(url, "redis_cluster")
    options = cluster_options(url, timeout, socket_timeout)
    try:
        return _Cluster(
            startup_nodes=[ClusterNode(host, port) for host, port in options.pop("nodes")],
            retry=Retry(*RETRY),
            **options,
        )
    except (RedisClusterException, redis.RedisError) as exc:
        raise cluster_unreachable(url, exc) from None


_COMMAND_TABLES: dict[frozenset[str], dict[str, dict[str, Any]]] = {}
"""The command table of the clusters this process opened last, by their nodes' addresses."""

COMMAND_TABLES_KEPT = 8
"""How many clusters' tables are kept: nodes that move (new addresses) add one each, and
all are read again once there are this many."""


class _Cluster(RedisCluster):
    """redis-py's cluster client, that reads a cluster's command table once per process.

    Every new client asked a node for the whole table (COMMAND: some 240 entries, parsed in
    Python) to know where each command's keys are: opening a store took 6.9 ms of CPU and
    13.2 ms, 4.9 ms and 8.0 ms without it. The table is the servers', the same for every
    client. After a rolling upgrade at the same addresses the kept table is the older
    version's: the commands agentstore sends have their keys where they had them, and a
    command missing from it is looked up again by redis-py itself, on the node
    (``CommandsParser.get_keys``).
    """

    def command(self, **kwargs: Any) -> Any:
        if kwargs:
            return super().command(**kwargs)
        nodes = frozenset(self.nodes_manager.startup_nodes)
        table = _COMMAND_TABLES.get(nodes)
        if table is None:
            table = super().command()
            if len(_COMMAND_TABLES) >= COMMAND_TABLES_KEPT:  # clusters that moved on
                _COMMAND_TABLES.clear()
            _COMMAND_TABLES[nodes] = table
        return dict(table)  # redis-py renames the entries of the one it is given


#: A few quick retries ride out a MOVED storm; a failover is reported, not waited on.
RETRY = (ExponentialBackoff(cap=0.5, base=0.05), 3)


def cluster_options(url: BackendURL, timeout: float, socket_timeout: float) -> dict[str, Any]:
    """How every cluster client connects, sync or async (``agentstore.asyncio``): the nodes
    as (host, port) pairs under ``nodes``, then the client's keyword arguments."""
    address = url.cluster
    return {
        "nodes": address.nodes,
        "username": address.username,
        "password": address.password,
        "ssl": address.ssl,
        "socket_connect_timeout": timeout,
        "socket_timeout": socket_timeout,
        "health_check_interval": 0,
    }


def cluster_unreachable(url: BackendURL, exc: Exception) -> errors.BackendUnavailable:
    """No node answered, or the cluster does not cover every slot: one line, password hidden."""
    from agentstore.auth import authentication_failed, is_redis_auth

    if is_redis_auth(exc):
        return authentication_failed(url)
    return errors.BackendUnavailable(
        f"Redis Cluster at {url.redacted} is unreachable: {one_line(exc)}"
    )


@dataclass(frozen=True)
class ClusterHealth:
    """A cluster as one of its nodes sees it: state, slots covered, masters and replicas."""

    state: str
    slots_ok: int
    masters: int
    replicas: int
    version: str

    def __str__(self) -> str:
        return (
            f"state {self.state}, {self.slots_ok}/{SLOTS} slots covered, "
            f"{self.masters} masters, {self.replicas} replicas"
        )


def health(client: RedisCluster) -> ClusterHealth:
    """Ask the cluster how it is, through the first node that answers (a dead node is part of
    the answer, not a reason to fail); raises redis-py's error when none does."""
    failure: Exception | None = None
    for node in client.get_nodes():
        try:
            info = client.cluster_info(target_nodes=node)
            nodes = client.execute_command("CLUSTER NODES", target_nodes=node)
            version = client.info("server", target_nodes=node)["redis_version"]
        except redis.RedisError as exc:
            failure = exc
            continue
        flags = [set(entry["flags"].split(",")) for entry in nodes.values()]
        live = [f for f in flags if not f & {"fail", "fail?", "noaddr"}]
        return ClusterHealth(
            state=str(info["cluster_state"]),
            slots_ok=int(info["cluster_slots_ok"]),
            masters=sum("master" in f for f in live),
            replicas=sum("slave" in f for f in live),
            version=str(version),
        )
    raise failure or redis.ConnectionError("the cluster has no nodes")
