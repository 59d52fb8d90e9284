"""What each agent process runs; kept light, since every spawned process imports it afresh.

``api`` says which agentstore API the agent uses (``--api``, handed over by the parent): the
sync one, or ``agentstore.asyncio`` behind the sync facade, on an event loop of the agent's own.
"""

from __future__ import annotations

from typing import Any

from support.api.openers import Api, open_memory

TIMEOUT = 90  # seconds for all workers; below pytest's timeout (120 s)
NAMESPACE = "aqe"


def increment(url: str, prefix: str, key: str, times: int, barrier: Any, api: Api) -> None:
    with open_memory(url, NAMESPACE, prefix, api=api) as memory:
        memory.exists(key)  # connect before the start signal
        barrier.wait(TIMEOUT)
        for _ in range(times):
            memory.increment(key)


def claim(url: str, prefix: str, key: str, name: str, barrier: Any, wins: Any, api: Api) -> None:
    with open_memory(url, NAMESPACE, prefix, api=api) as memory:
        memory.exists(key)  # connect before the start signal
        barrier.wait(TIMEOUT)
        won = memory.compare_and_set(key, None, name)
    if won:
        with wins.get_lock():
            wins.value += 1
