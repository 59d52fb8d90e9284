"""Redis Cluster for asyncio: ``redis.asyncio.cluster.RedisCluster`` for a ``redis+cluster://``
URL, connected as the sync cluster client is (:mod:`agentstore.memory.redis_cluster`), and a
batch of script calls run all or nothing on the master of their one slot.

A store's keys share one hash tag, as on the sync API, so sync and async stores on a cluster
meet on the same keys and each store's scripts run on one master.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import redis
from redis.asyncio.cluster import ClusterNode, PipelineCommand, RedisCluster
from redis.asyncio.retry import Retry
from redis.commands.core import AsyncScript
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


async def run_batch(
    client: SharedCluster, script: AsyncScript, calls: list[tuple[list[str], list[Any]]]
) -> list[Any]:
    """Run ``script`` once per (keys, args) in ``calls``, all or nothing (MULTI/EXEC on one
    connection to the master of the calls' one slot): the cluster pipeline refuses scripts.

    The script is loaded first, so no call inside the transaction fails for want of it; a
    slot that moved (failover) aborts the whole transaction, tried again on the new map.
    """
    for attempt in range(2):
        if client._initialize:  # a node was lost: read the slot map again first
            try:
                await client.initialize()
            except redis.exceptions.RedisClusterException as exc:  # the map cannot be read yet
                raise redis.exceptions.ClusterDownError(str(exc)) from exc
        node = client.get_node_from_key(calls[0][0][0])
        if node is None:  # no master serves the slot right now
            raise redis.exceptions.ClusterDownError("no master serves the store's slot")
        try:
            async with client.turns:
                await node.execute_command("SCRIPT", "LOAD", script.script)
            commands = [PipelineCommand(0, "MULTI")]
            commands += [
                PipelineCommand(n + 1, "EVALSHA", script.sha, len(keys), *keys, *args)
                for n, (keys, args) in enumerate(calls)
            ]
            commands.append(PipelineCommand(len(calls) + 1, "EXEC"))
            async with client.turns:
                await node.execute_pipeline(commands)
        except (redis.ConnectionError, redis.TimeoutError):
            # This call bypasses the client's own command path, which is where a lost node
            # makes it read the slot map again: ask for that here, or a failover would leave
            # every later batch going to the dead master.
            client._initialize = True
            raise
        failed = [c.result for c in commands if isinstance(c.result, Exception)]
        if any(isinstance(error, redis.exceptions.MovedError) for error in failed) and not attempt:
            await client.nodes_manager.initialize()
            continue
        if failed:
            raise failed[0]
        return list(cast(list[Any], commands[-1].result))
    raise AssertionError("unreachable")  # pragma: no cover
