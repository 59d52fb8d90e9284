"""Redis Cluster for asyncio: ``redis.asyncio.cluster.RedisCluster`` for a ``redis+cluster://``
URL, connected as the sync cluster client is (:mod:`agentstore.memory.redis_cluster`); what
runs on the master of a slot is in :mod:`redis_replication`.

A store's keys share one hash tag, as on the sync API, so sync and async stores on a cluster
meet on the same keys and each store's scripts run on one master.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.exceptions import RedisClusterException

from agentstore.memory.redis_cluster import RETRY, cluster_options, cluster_unreachable
from agentstore.urls import BackendURL


class SharedCluster(RedisCluster):
    """The cluster client, at most ``limit`` commands in flight at once: more callers wait
    their turn, as on the single server's blocking pool, instead of failing for want of a
    connection (redis-py's cluster client raises when a node's connections run out)."""

    def __init__(self, *args: Any, limit: int, **kwargs: Any) -> None:
        kwargs["max_connections"] = limit
        super().__init__(*args, **kwargs)
        self.turns = asyncio.Semaphore(limit)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with self.turns:
            return await super().execute_command(*args, **kwargs)


async def connect_cluster(
    url: BackendURL, timeout: float, socket_timeout: float, limit: int
) -> SharedCluster:
    """An async cluster client for ``url`` that has read the cluster's slot map, ``limit``
    commands in flight at most; the sync ``connect_cluster``'s errors (``InvalidURL``,
    ``BackendUnavailable``)."""
    options = cluster_options(url, timeout, socket_timeout)
    nodes = [ClusterNode(host, port) for host, port in options.pop("nodes")]
    try:
        client = SharedCluster(startup_nodes=nodes, retry=Retry(*RETRY), limit=limit, **options)
    except (RedisClusterException, redis.RedisError) as exc:
        raise cluster_unreachable(url, exc) from None
    try:
        await client.initialize()
    except (RedisClusterException, redis.RedisError) as exc:
        await client.aclose()
        raise cluster_unreachable(url, exc) from None
    return client
