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

What to send and what each reply means is written once, as operations
(:mod:`agentstore.driving`): :func:`confirmed_write` and :func:`batch_write` yield
:class:`OnMaster` (commands down one connection to the master of a key's slot, their replies
back with an error reply as its exception, in its place) and :class:`ReadMap` (read the
cluster's slot map again). This module's blocking driver and ``agentstore.asyncio``'s
awaiting one only carry those two out.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial
from typing import Any

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import RedisClusterException

from agentstore import errors
from agentstore.driving import Operation, run
from agentstore.driving import Script as Request
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_cluster import reading_map


@dataclass(frozen=True, slots=True)
class OnMaster:
    """Send ``commands`` in order down one connection to the master of ``key``'s slot; the
    result is their replies, an error reply being its exception, in its place."""

    key: str
    commands: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class ReadMap:
    """Read the cluster's slot map again (nothing to do on one server); the result is unused."""


READ_MAP = ReadMap()


def confirmed_write(
    script: Any, keys: list[str], args: list[Any], wait: ReplicaWait
) -> Operation[Any]:
    """Run a write ``script`` (redis-py's, sync or async: its ``sha`` and ``script``), then
    WAIT for ``wait.replicas`` replicas up to ``wait.timeout`` seconds, on one connection to
    the master of the keys' slot. A script the server does not know is loaded, a slot that
    moved (a failover) is looked up again, and the call tried again, once each."""
    call = ("EVALSHA", script.sha, len(keys), *keys, *args)
    commands = (call, wait_command(wait))
    loaded = moved = False
    while True:
        result, confirmed = yield OnMaster(keys[0], commands)
        if isinstance(result, redis.exceptions.NoScriptError) and not loaded:
            yield from _load(script, keys[0])
            loaded = True
            continue
        if isinstance(result, redis.exceptions.MovedError) and not moved:
            yield READ_MAP
            moved = True
            continue
        if isinstance(result, (redis.exceptions.NoScriptError, redis.exceptions.AskError)):
            raise refused_script(wait.where, result) from result
        if isinstance(result, Exception):
            raise result
        check_confirmed(wait, confirmed)
        return result


def batch_write(
    script: Any, calls: list[tuple[list[str], list[Any]]], wait: ReplicaWait
) -> Operation[list[Any]]:
    """Run ``script`` once per (keys, args) in ``calls``, all or nothing (MULTI/EXEC), on one
    connection to the master of the calls' keys; with ``wait.replicas``, then WAIT there.

    Every call's keys must share one slot (one store's hash tag). The script is loaded first,
    so no call inside the transaction can fail for want of it; a slot that moved (failover)
    aborts the whole transaction, and it is tried again once the slot map is read again.
    """
    key = calls[0][0][0]
    commands: list[tuple[Any, ...]] = [("MULTI",)]
    commands += [("EVALSHA", script.sha, len(keys), *keys, *args) for keys, args in calls]
    commands.append(("EXEC",))
    if wait.replicas:
        commands.append(wait_command(wait))
    for attempt in range(2):
        yield from _load(script, key)
        replies = yield OnMaster(key, tuple(commands))
        written = replies[:-1] if wait.replicas else replies  # WAIT's reply is checked below
        failed = [reply for reply in written if isinstance(reply, Exception)]
        moved = [e for e in failed if isinstance(e, redis.exceptions.AskError)]  # MOVED is one
        if moved and not attempt and isinstance(moved[0], redis.exceptions.MovedError):
            yield READ_MAP
            continue
        if moved:
            raise refused_script(wait.where, moved[0]) from moved[0]
        if failed:
            raise failed[0]
        if wait.replicas:
            check_confirmed(wait, replies[-1])
        return list(replies[len(calls) + 1])
    raise AssertionError("unreachable")  # pragma: no cover - the second attempt returns or raises


def _load(script: Any, key: str) -> Operation[None]:
    """SCRIPT LOAD on the master of ``key``'s slot; a refusal is raised."""
    (reply,) = yield OnMaster(key, (("SCRIPT", "LOAD", script.script),))
    if isinstance(reply, Exception):
        raise reply


def refused_script(where: str, error: Exception) -> errors.BackendUnavailable:
    """A write script the server still refused after its one retry: the script unknown right
    after it was loaded, or the slot moving again (or being migrated) under it."""
    if isinstance(error, redis.exceptions.NoScriptError):
        why = "it did not know the script even once loaded"
    else:
        why = "the keys' slot moved away again (a failover or a migration)"
    return errors.BackendUnavailable(f"{where} refused the script twice: {why}")


def unconfirmed(wait: ReplicaWait, confirmed: object) -> errors.WriteNotReplicated:
    """A write fewer replicas than asked confirmed in time."""
    return errors.WriteNotReplicated(
        f"a write to {wait.where} was confirmed by {confirmed} of {wait.replicas} replicas "
        f"within {wait.timeout:g}s: it is on the master but may be lost if the master fails now"
    )


def check_confirmed(wait: ReplicaWait, reply: Any) -> None:
    """Raise ``WriteNotReplicated`` unless WAIT's ``reply`` counts ``wait.replicas`` replicas.
    An error reply counts none: the write is on the master all the same, so it is not
    refused as if it had failed."""
    if isinstance(reply, Exception):
        raise unconfirmed(wait, 0) from reply
    if int(reply) < wait.replicas:
        raise unconfirmed(wait, reply)


def wait_command(wait: ReplicaWait) -> tuple[str, int, int]:
    """``WAIT replicas milliseconds`` (at least 1 ms: 0 would wait for ever)."""
    return ("WAIT", wait.replicas, max(1, round(wait.timeout * 1000)))


# The blocking driver.


def run_script(
    client: redis.Redis | RedisCluster, script: Script, request: Request, wait: ReplicaWait
) -> Any:
    """Run ``request``'s script (``script``, registered on ``client``), for the memory and the
    coordination drivers alike: EVALSHA straight away, as redis-py's ``Script.__call__`` costs
    more than the script itself, loading it only when the server says it does not know it
    (after a restart or SCRIPT FLUSH); with ``wait.replicas``, a write then waits for them."""
    keys, args = request.keys, request.args
    if request.write and wait.replicas:
        return run(confirmed_write(script, keys, args, wait), partial(perform, client))
    try:
        return client.evalsha(script.sha, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        return script(keys=keys, args=args)


def run_batch(
    client: redis.Redis | RedisCluster,
    script: Script,
    calls: list[tuple[list[str], list[Any]]],
    wait: ReplicaWait,
) -> list[Any]:
    """:func:`batch_write` on ``client``."""
    return run(batch_write(script, calls, wait), partial(perform, client))


def perform(client: redis.Redis | RedisCluster, request: OnMaster | ReadMap) -> Any:
    """Carry out an :class:`OnMaster` or a :class:`ReadMap` on ``client``, blocking."""
    if not isinstance(request, OnMaster):
        if isinstance(client, RedisCluster):
            with reading_map():
                client.nodes_manager.initialize()
        return None
    pipe = _slot_client(client, request.key).pipeline(transaction=False)
    for command in request.commands:
        pipe.execute_command(*command)
    try:
        return pipe.execute(raise_on_error=False)
    except (redis.ConnectionError, redis.TimeoutError):
        _forget_map(client)
        raise


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
