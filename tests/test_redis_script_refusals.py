"""A Redis that keeps refusing a write script after its one retry is unavailable, worded alike
by the sync and asyncio drivers; only Redis refusing the sum is an increment refused."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio

from agentstore import errors
from agentstore.asyncio.redis_replication import run_script as run_script_async
from agentstore.driving import Command, Script
from agentstore.memory.opening import ReplicaWait
from agentstore.memory.redis_operations import RedisOperations
from agentstore.memory.redis_replication import run_script
from harness.isolation.places import Isolation

#: A sha no script has: the server answers NOSCRIPT even right after the script was loaded,
#: as it would were the script flushed between the load and the retry.
UNKNOWN = "0" * 40


def test_a_script_still_unknown_after_loading_it_is_unavailable_sync_and_async(
    isolation: Isolation,
) -> None:
    place = isolation("redis")
    write = Script("touch", [place.prefix + "refusals"], [], write=True)
    wait = ReplicaWait(1, 0.1, "the store")  # a write that waits: the master's own path
    with redis.Redis.from_url(place.url) as client:
        script = client.register_script("return 1")
        script.sha = UNKNOWN
        with pytest.raises(errors.BackendUnavailable) as sync:
            run_script(client, script, write, wait)

    async def refused() -> str:
        client = redis.asyncio.Redis.from_url(place.url)
        try:
            script = client.register_script("return 1")
            script.sha = UNKNOWN
            with pytest.raises(errors.BackendUnavailable) as failed:
                await run_script_async(client, script, write, wait)
            return str(failed.value)
        finally:
            await client.aclose()

    assert asyncio.run(refused()) == str(sync.value)
    assert str(sync.value).startswith("the store refused the script twice: ")


@pytest.mark.parametrize(
    "reply",
    [
        "NOSCRIPT No matching script. Please use EVAL.",
        "MOVED 3999 127.0.0.1:6381",
        "READONLY You can't write against a read only replica.",
    ],
)
def test_an_increment_refused_for_another_reason_is_not_called_a_bad_sum(reply: str) -> None:
    error = redis.exceptions.ResponseError(reply)
    operation = RedisOperations("agents", "p:").increment("agents/count", 1)
    next(operation)
    with pytest.raises(redis.exceptions.ResponseError) as raised:
        operation.throw(error)
    assert raised.value is error


@pytest.mark.parametrize(
    "reply",
    [
        "value is not an integer or out of range script: 962adb5e, on @user_script:1.",
        "increment or decrement would overflow script: 58ea1ce3, on @user_script:1.",
    ],
)
def test_redis_refusing_the_sum_is_an_increment_refused(reply: str) -> None:
    operation = RedisOperations("agents", "p:").increment("agents/count", 1)
    next(operation)
    asked = operation.throw(redis.exceptions.ResponseError(reply))
    assert isinstance(asked, Command) and asked.name == "get"  # it reads why
    with pytest.raises(errors.InvalidValue, match="not a 64-bit integer"):
        operation.send(b'"text"')
