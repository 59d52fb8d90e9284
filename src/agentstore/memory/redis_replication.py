"""Writes on the connection of their slot's master: confirmed by replicas (Redis WAIT on the
connection that made the write), and batches all or nothing on a cluster.

Redis replicates asynchronously: a master acknowledges a write before any replica has it. If
the master dies in that moment and its replica takes over, the acknowledged write is gone.
``WAIT n timeout`` narrows (never closes) that window: it returns once ``n`` replicas have
every write of *this connection*, so the write and its WAIT go down one connection, in one
round trip. A write fewer replicas confirm in time raises ``WriteNotReplicated``: it is on
the master and may survive, or may be lost if the master fails before replicating it. Even a
confirmed write can be lost when a replica that had not got it is the one promoted (Redis's
own caveat: WAIT does not make Redis strongly consistent).
"""

from __future__ import annotations

import contextlib
from typing import Any

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import RedisClusterException

from agentstore import errors
from agentstore.driving import Script as Request


def run_script(
    client: redis.Redis | RedisCluster,
    script: Script,
    request: Request,
    replicas: int,
    timeout: float,
    where: str,
) -> Any:
    """Run ``request``'s script (``script``, registered on ``client``), for the memory and the
    coordination drivers alike: EVALSHA straight away, as redis-py's ``Script.__call__`` costs
    more than the script itself, loading it only when the server says it does not know it
    (after a restart or SCRIPT FLUSH); with ``replicas``, a write then waits for them."""
    keys, args = request.keys, request.args
    if request.write and replicas:
        return run_confirmed(client, script, keys, args, replicas, timeout, where)
    try:
        return client.evalsha(script.sha, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        return script(keys=keys, args=args)


def run_confirmed(
    client: redis.Redis | RedisCluster,
    script: Script,
    keys: list[str],
    args: list[Any],
    replicas: int,
    timeout: float,
    where: str,
) -> Any:
    """Run a write script, then WAIT for ``replicas`` replicas up to ``timeout`` seconds.

    On a cluster both go to the master of the keys' slot; after a failover moved it, the
    cluster client reads the new map and the call is tried once more.
    """
    wait = wait_command(replicas, timeout)
    loaded = moved = False
    while True:
        node = _slot_client(client, keys[0])
        pipe = node.pipeline(transaction=False)
        pipe.evalsha(script.sha, len(keys), *keys, *args)
        pipe.execute_command(*wait)
        try:
            result, confirmed = pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError):
            _forget_map(client)
            raise
        except redis.exceptions.NoScriptError as exc:
            if loaded:
                raise refused_script(where, exc) from exc
            node.script_load(script.script)
            loaded = True
            continue
        except redis.exceptions.AskError as exc:  # MovedError is one too
            if moved or not isinstance(exc, redis.exceptions.MovedError):
                raise refused_script(where, exc) from exc
            if isinstance(client, RedisCluster):
                client.nodes_manager.initialize()
            moved = True
            continue
        if int(confirmed) < replicas:
            raise unconfirmed(where, confirmed, replicas, timeout)
        return result


def run_batch(
    client: redis.Redis | RedisCluster,
    script: Script,
    calls: list[tuple[list[str], list[Any]]],
    replicas: int,
    timeout: float,
    where: str,
) -> list[Any]:
    """Run ``script`` once per (keys, args) in ``calls``, all or nothing (MULTI/EXEC), on the
    connection of the keys' master; with ``replicas``, then WAIT on that same connection.

    Every call's keys must share one slot (one store's hash tag). The script is loaded first,
    so no call inside the transaction can fail for want of it; a slot that moved (failover)
    aborts the whole transaction, and it is tried again once the client has the new map.
    """
    for attempt in range(2):
        node = _slot_client(client, calls[0][0][0])
        node.script_load(script.script)
        pipe = node.pipeline(transaction=False)
        pipe.execute_command("MULTI")
        for keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        pipe.execute_command("EXEC")
        if replicas:
            pipe.execute_command(*wait_command(replicas, timeout))
        try:
            replies = pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError):
            _forget_map(client)
            raise
        except redis.exceptions.MovedError:
            if attempt:
                raise
            if isinstance(client, RedisCluster):
                client.nodes_manager.initialize()
            continue
        results = replies[len(calls) + 1]
        if replicas and int(replies[-1]) < replicas:
            raise unconfirmed(where, replies[-1], replicas, timeout)
        return list(results)
    raise errors.BackendUnavailable(f"{where} moved its slot twice during one batch")


def refused_script(where: str, error: Exception) -> errors.BackendUnavailable:
    """A write script the server still refused after its one retry: the script unknown right
    after it was loaded, or the slot moving again (or being migrated) under it (shared with
    asyncio)."""
    if isinstance(error, redis.exceptions.NoScriptError):
        why = "it did not know the script even once loaded"
    else:
        why = "the keys' slot moved away again (a failover or a migration)"
    return errors.BackendUnavailable(f"{where} refused the script twice: {why}")


def unconfirmed(
    where: str, confirmed: object, replicas: int, timeout: float
) -> errors.WriteNotReplicated:
    """A write fewer replicas than asked confirmed in time (shared with asyncio)."""
    return errors.WriteNotReplicated(
        f"a write to {where} was confirmed by {confirmed} of {replicas} replicas within "
        f"{timeout:g}s: it is on the master but may be lost if the master fails now"
    )


def wait_command(replicas: int, timeout: float) -> tuple[str, int, int]:
    """``WAIT replicas milliseconds`` (at least 1 ms: 0 would wait for ever)."""
    return ("WAIT", replicas, max(1, round(timeout * 1000)))


def _slot_client(client: redis.Redis | RedisCluster, key: str) -> redis.Redis:
    """The client that reaches ``key``'s master: the client itself, or that node's client."""
    if isinstance(client, RedisCluster):
        return client.get_node_from_key(key).redis_connection
    return client


def _forget_map(client: redis.Redis | RedisCluster) -> None:
    """After a node stopped answering: read the slot map again (best effort), so the next
    call goes to whichever node serves the slot once a replica has taken over."""
    if isinstance(client, RedisCluster):
        # the cluster may still be failing over: the next call tries again
        with contextlib.suppress(redis.RedisError, RedisClusterException):
            client.nodes_manager.initialize()
