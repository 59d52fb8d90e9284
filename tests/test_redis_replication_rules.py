"""The rules of a replica-confirmed Redis write, written once (``confirmed_write``,
``batch_write``) and run by a blocking and an awaiting driver: what is sent, when it is tried
again, and what each reply means. The operations do no I/O, so the replies are handed in."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.exceptions import MovedError, NoScriptError

from agentstore import errors
from agentstore.asyncio.redis_cluster import connect_cluster as connect_async_cluster
from agentstore.asyncio.redis_replication import perform as perform_async
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_cluster import connect_cluster
from agentstore.memory.redis_replication import (
    READ_MAP,
    OnMaster,
    batch_write,
    confirmed_write,
    perform,
)
from agentstore.urls import parse
from harness.isolation.places import Isolation

WAIT = ReplicaWait(1, 0.25, "the store")


class _Script:
    sha = "f" * 40
    script = "return 1"


def _finish(operation: Any, reply: Any) -> Any:
    with pytest.raises(StopIteration) as done:
        operation.send(reply)
    return done.value.value


def test_a_confirmed_write_sends_the_script_and_its_wait_down_one_connection() -> None:
    write = confirmed_write(_Script, ["k"], ["a"], WAIT)
    assert next(write) == OnMaster("k", (("EVALSHA", _Script.sha, 1, "k", "a"), ("WAIT", 1, 250)))
    assert _finish(write, [b"done", 1]) == b"done"


def test_an_unknown_script_is_loaded_once_then_the_write_tried_again() -> None:
    write = confirmed_write(_Script, ["k"], [], WAIT)
    sent = next(write)
    assert write.send([NoScriptError("NOSCRIPT"), 1]) == OnMaster(
        "k", (("SCRIPT", "LOAD", "return 1"),)
    )
    assert write.send([_Script.sha]) == sent
    with pytest.raises(errors.BackendUnavailable, match="did not know the script even once"):
        write.send([NoScriptError("NOSCRIPT"), 1])


def test_a_moved_slot_is_looked_up_once_then_the_write_tried_again() -> None:
    write = confirmed_write(_Script, ["k"], [], WAIT)
    sent = next(write)
    assert write.send([MovedError("3999 127.0.0.1:6381"), 1]) is READ_MAP
    assert write.send(None) == sent
    with pytest.raises(errors.BackendUnavailable, match="slot moved away again"):
        write.send([MovedError("3999 127.0.0.1:6381"), 1])


def test_a_write_fewer_replicas_confirm_is_not_replicated() -> None:
    write = confirmed_write(_Script, ["k"], [], WAIT)
    next(write)
    with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas within"):
        write.send([b"done", 0])


def test_a_batch_is_loaded_then_sent_as_one_transaction_and_tried_again_once_moved() -> None:
    calls = [(["k1"], ["a"]), (["k2"], ["b"])]
    batch = batch_write(_Script, calls, WAIT)
    assert next(batch) == OnMaster("k1", (("SCRIPT", "LOAD", "return 1"),))
    sent = batch.send([_Script.sha])
    names = [command[0] for command in sent.commands]
    assert names == ["MULTI", "EVALSHA", "EVALSHA", "EXEC", "WAIT"]
    moved = MovedError("3999 127.0.0.1:6381")
    assert batch.send([b"OK", moved, b"QUEUED", redis.exceptions.ExecAbortError(), 1]) is READ_MAP
    assert batch.send(None) == OnMaster("k1", (("SCRIPT", "LOAD", "return 1"),))
    assert batch.send([_Script.sha]) == sent
    assert _finish(batch, [b"OK", b"QUEUED", b"QUEUED", [1, 2], 1]) == [1, 2]


def test_a_wait_answered_with_an_error_counts_no_replica() -> None:
    """The write is on the master: WAIT's error reply makes it unconfirmed, not failed."""
    error = redis.exceptions.ResponseError("ERR WAIT cannot be used with replica instances")
    write = confirmed_write(_Script, ["k"], [], WAIT)
    next(write)
    with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
        write.send([b"done", error])
    batch = batch_write(_Script, [(["k1"], ["a"])], WAIT)
    next(batch)
    batch.send([_Script.sha])
    with pytest.raises(errors.WriteNotReplicated, match="confirmed by 0 of 1 replicas"):
        batch.send([b"OK", b"QUEUED", [1], error])


def test_a_batch_whose_slot_moves_again_is_refused_in_agentstore_words() -> None:
    """A slot that moves twice during one batch is a BackendUnavailable, as for one write,
    not redis-py's MovedError."""
    batch = batch_write(_Script, [(["k1"], ["a"])], WAIT)
    next(batch)
    batch.send([_Script.sha])
    moved = MovedError("3999 127.0.0.1:6381")
    aborted = redis.exceptions.ExecAbortError()
    assert batch.send([b"OK", moved, aborted, 1]) is READ_MAP
    batch.send(None)
    batch.send([_Script.sha])
    with pytest.raises(errors.BackendUnavailable, match="slot moved away again"):
        batch.send([b"OK", moved, aborted, 1])


def test_both_drivers_read_the_slot_map_again_when_asked(
    isolation: Isolation, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = isolation("redis_cluster")
    url = parse(place.url)
    client = connect_cluster(url)
    read: list[str] = []
    try:
        initialize = client.nodes_manager.initialize
        monkeypatch.setattr(
            client.nodes_manager, "initialize", lambda: read.append("sync") or initialize()
        )
        perform(client, READ_MAP)
    finally:
        client.close()

    async def awaited() -> None:
        cluster = await connect_async_cluster(url, 3.0, 30.0, 4)
        manager = type(cluster.nodes_manager)  # slotted: patched on its class
        initialize = manager.initialize

        async def counted(self: Any) -> None:
            read.append("async")
            await initialize(self)

        monkeypatch.setattr(manager, "initialize", counted)
        try:
            await perform_async(cluster, READ_MAP)
        finally:
            await cluster.aclose()

    asyncio.run(awaited())
    assert read == ["sync", "async"]
