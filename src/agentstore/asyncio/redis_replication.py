"""Writes on the connection of their slot's master, for asyncio: confirmed by replicas (Redis
WAIT on the connection that made the write) and batches all or nothing (MULTI/EXEC), on one
server or a cluster: the sync :mod:`agentstore.memory.redis_replication`'s own operations
(what to send, what each reply means, when to try again), carried out by awaiting.

redis-py's async cluster pipeline refuses scripts and MULTI, so on a cluster the commands go
down one connection of the master's node (``execute_pipeline``); on one server, down one
connection of a plain (non-transaction) pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from functools import partial
from typing import Any, cast

import redis
from redis.asyncio.cluster import PipelineCommand
from redis.commands.core import AsyncScript
from redis.exceptions import RedisClusterException

from agentstore.asyncio.redis_cluster import SharedCluster
from agentstore.driving import Script as Request
from agentstore.driving import run_async
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_cluster import reading_map
from agentstore.memory.redis_replication import OnMaster, ReadMap, batch_write, confirmed_write


async def run_script(client: Any, script: AsyncScript, request: Request, wait: ReplicaWait) -> Any:
    """Run ``request``'s script as the sync ``run_script`` does: EVALSHA first, the script
    loaded only when the server does not know it; with ``wait.replicas``, a write waits for
    them (the sync :func:`confirmed_write`, awaited)."""
    keys, args = request.keys, request.args
    if request.write and wait.replicas:
        write = confirmed_write(script, keys, args, wait)
        return await run_async(write, partial(perform, client))
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        return await script(keys=keys, args=args)


async def run_batch(
    client: Any, script: AsyncScript, calls: list[tuple[list[str], list[Any]]], wait: ReplicaWait
) -> list[Any]:
    """The sync :func:`batch_write`, awaited: all or nothing (MULTI/EXEC on one connection to
    the master of the calls' one slot); with ``wait.replicas``, then WAIT there."""
    return await run_async(batch_write(script, calls, wait), partial(perform, client))


def perform(client: Any, request: OnMaster | ReadMap) -> Awaitable[Any]:
    """Carry out an :class:`OnMaster` or a :class:`ReadMap` on ``client``, awaiting."""
    if isinstance(request, OnMaster):
        return on_master(client, request.key, request.commands)
    return _read_map(client)


async def _read_map(client: Any) -> None:
    if isinstance(client, SharedCluster):
        with reading_map():
            await client.nodes_manager.initialize()


async def on_master(client: Any, key: str, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The replies of ``commands``, sent in order down one connection to the master of
    ``key``'s slot; an error reply is its exception, in its place."""
    if not isinstance(client, SharedCluster):
        async with client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return cast(list[Any], await pipe.execute(raise_on_error=False))
    if client._initialize:  # a node was lost: read the slot map again first
        with reading_map():
            await client.initialize()
    node = client.get_node_from_key(key)
    if node is None:  # no master serves the slot right now
        raise redis.exceptions.ClusterDownError("no master serves the store's slot")
    sent = [PipelineCommand(n, *command) for n, command in enumerate(commands)]
    try:
        async with client.turns:
            await node.execute_pipeline(sent)
        # The node puts any failure in its command's place, a connection lost while the
        # replies were read included; only an error reply belongs there (the sync
        # pipeline raises the rest), so the rest is raised.
        for reply in (done.result for done in sent):
            if isinstance(reply, Exception) and not isinstance(reply, redis.ResponseError):
                raise reply
    except (redis.ConnectionError, redis.TimeoutError):
        # This call bypasses the client's own command path, which is where a lost node
        # makes it read the slot map again: read it here, as the sync driver does, so the
        # next call goes to whichever node serves the slot once a replica has taken over.
        await _forget_map(client)
        raise
    return [command.result for command in sent]


async def _forget_map(client: SharedCluster) -> None:
    """After a node stopped answering: read the slot map again now; if it cannot be read
    yet (the cluster may still be failing over), the next call reads it first."""
    try:
        await client.nodes_manager.initialize()
    except (redis.RedisError, RedisClusterException):
        client._initialize = True
