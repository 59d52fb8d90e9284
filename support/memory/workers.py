"""What each agent process runs; kept light, since every spawned process imports it afresh.

``api`` says which agentstore API the agent uses (``--api``): the sync one, or
``agentstore.asyncio`` on an event loop of the agent's own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agentstore.memory import open_memory

TIMEOUT = 90  # seconds for all workers; below pytest's timeout (120 s)
NAMESPACE = "aqe"


def increment(url: str, prefix: str, key: str, times: int, barrier: Any, api: str) -> None:
    if api == "async":
        asyncio.run(_increment_async(url, prefix, key, times, barrier))
        return
    with open_memory(url, namespace=NAMESPACE, prefix=prefix) as memory:
        memory.exists(key)  # connect before the start signal
        barrier.wait(TIMEOUT)
        for _ in range(times):
            memory.increment(key)


def claim(url: str, prefix: str, key: str, name: str, barrier: Any, wins: Any, api: str) -> None:
    if api == "async":
        won = asyncio.run(_claim_async(url, prefix, key, name, barrier))
    else:
        with open_memory(url, namespace=NAMESPACE, prefix=prefix) as memory:
            memory.exists(key)
            barrier.wait(TIMEOUT)
            won = memory.compare_and_set(key, None, name)
    if won:
        with wins.get_lock():
            wins.value += 1


async def _increment_async(url: str, prefix: str, key: str, times: int, barrier: Any) -> None:
    from agentstore.asyncio import open_memory as open_async

    async with open_async(url, namespace=NAMESPACE, prefix=prefix) as memory:
        await memory.exists(key)  # connect before the start signal
        barrier.wait(TIMEOUT)  # blocks this agent's own loop only, before any work
        for _ in range(times):
            await memory.increment(key)


async def _claim_async(url: str, prefix: str, key: str, name: str, barrier: Any) -> bool:
    from agentstore.asyncio import open_memory as open_async

    async with open_async(url, namespace=NAMESPACE, prefix=prefix) as memory:
        await memory.exists(key)
        barrier.wait(TIMEOUT)
        return await memory.compare_and_set(key, None, name)
