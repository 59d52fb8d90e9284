"""Writes on the connection of their slot's master, for asyncio: confirmed by replicas (Redis
WAIT on the connection that made the write) and batches all or nothing (MULTI/EXEC), on one
server or a cluster; the sync :mod:`agentstore.memory.redis_replication`'s promises and words.

redis-py's async cluster pipeline refuses scripts and MULTI, so on a cluster the commands go
down one connection of the master's node (``execute_pipeline``); on one server, down one
connection of a plain (non-transaction) pipeline.
"""

from __future__ import annotations

from typing import Any, cast

import redis
from redis.asyncio.cluster import PipelineCommand
from redis.commands.core import AsyncScript

from agentstore.asyncio.redis_cluster import SharedCluster
from agentstore.driving import Script as Request
from agentstore.memory.redis_replication import refused_script, unconfirmed, wait_command


async def run_script(
    client: Any, script: AsyncScript, request: Request, replicas: int, timeout: float, where: str
) -> Any:
    """Run ``request``'s script as the sync ``run_script`` does: EVALSHA first, the script
    loaded only when the server does not know it; with ``replicas``, a write waits for them."""
    keys, args = request.keys, request.args
    if request.write and replicas:
        return await run_confirmed(client, script, keys, args, replicas, timeout, where)
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        return await script(keys=keys, args=args)


async def run_confirmed(
    client: Any,
    script: AsyncScript,
    keys: list[str],
    args: list[Any],
    replicas: int,
    timeout: float,
    where: str,
) -> Any:
    """Run a write script, then WAIT for ``replicas`` replicas up to ``timeout`` seconds; a
    script the server does not know is loaded, a slot that moved is looked up, once each."""
    call = ("EVALSHA", script.sha, len(keys), *keys, *args)
    loaded = moved = False
    while True:
        result, confirmed = await on_master(
            client, keys[0], [call, wait_command(replicas, timeout)]
        )
        if isinstance(result, redis.exceptions.NoScriptError) and not loaded:
            await on_master(client, keys[0], [("SCRIPT", "LOAD", script.script)])
            loaded = True
            continue
        if isinstance(result, redis.exceptions.MovedError) and not moved:
            await client.nodes_manager.initialize()
            moved = True
            continue
        if isinstance(result, (redis.exceptions.NoScriptError, redis.exceptions.AskError)):
            raise refused_script(where, result) from result
        if isinstance(result, Exception):
            raise result
        if int(confirmed) < replicas:
            raise unconfirmed(where, confirmed, replicas, timeout)
        return result


async def run_batch(
    client: Any,
    script: AsyncScript,
    calls: list[tuple[list[str], list[Any]]],
    replicas: int,
    timeout: float,
    where: str,
) -> list[Any]:
    """Run ``script`` once per (keys, args) in ``calls``, all or nothing (MULTI/EXEC on one
    connection to the master of the calls' one slot); with ``replicas``, then WAIT there.

    The script is loaded first, so no call inside the transaction fails for want of it; a
    slot that moved (failover) aborts the whole transaction, tried again on the new map.
    """
    key = calls[0][0][0]
    commands: list[tuple[Any, ...]] = [("MULTI",)]
    commands += [("EVALSHA", script.sha, len(keys), *keys, *args) for keys, args in calls]
    commands.append(("EXEC",))
    if replicas:
        commands.append(wait_command(replicas, timeout))
    for attempt in range(2):
        await on_master(client, key, [("SCRIPT", "LOAD", script.script)])
        replies = await on_master(client, key, commands)
        failed = [reply for reply in replies if isinstance(reply, Exception)]
        if any(isinstance(error, redis.exceptions.MovedError) for error in failed) and not attempt:
            await client.nodes_manager.initialize()
            continue
        if failed:
            raise failed[0]
        if replicas and int(replies[-1]) < replicas:
            raise unconfirmed(where, replies[-1], replicas, timeout)
        return list(replies[len(calls) + 1])
    raise AssertionError("unreachable")  # pragma: no cover


async def on_master(client: Any, key: str, commands: list[tuple[Any, ...]]) -> list[Any]:
    """The replies of ``commands``, sent in order down one connection to the master of
    ``key``'s slot; an error reply is its exception, in its place."""
    if not isinstance(client, SharedCluster):
        async with client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return cast(list[Any], await pipe.execute(raise_on_error=False))
    if client._initialize:  # a node was lost: read the slot map again first
        try:
            await client.initialize()
        except redis.exceptions.RedisClusterException as exc:  # the map cannot be read yet
            raise redis.exceptions.ClusterDownError(str(exc)) from exc
    node = client.get_node_from_key(key)
    if node is None:  # no master serves the slot right now
        raise redis.exceptions.ClusterDownError("no master serves the store's slot")
    sent = [PipelineCommand(n, *command) for n, command in enumerate(commands)]
    try:
        async with client.turns:
            await node.execute_pipeline(sent)
    except (redis.ConnectionError, redis.TimeoutError):
        # This call bypasses the client's own command path, which is where a lost node
        # makes it read the slot map again: ask for that here, or a failover would leave
        # every later call going to the dead master.
        client._initialize = True
        raise
    return [command.result for command in sent]
