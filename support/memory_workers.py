"""What each agent process runs; kept light, since every spawned process imports it afresh."""

from __future__ import annotations

from typing import Any

from agentstore.memory import open_memory

TIMEOUT = 90  # seconds for all workers; below pytest's timeout (120 s)
NAMESPACE = "aqe"


def increment(url: str, prefix: str, key: str, times: int, barrier: Any) -> None:
    with open_memory(url, namespace=NAMESPACE, prefix=prefix) as memory:
        memory.exists(key)  # connect before the start signal
        barrier.wait(TIMEOUT)
        for _ in range(times):
            memory.increment(key)


def claim(url: str, prefix: str, key: str, name: str, barrier: Any, wins: Any) -> None:
    with open_memory(url, namespace=NAMESPACE, prefix=prefix) as memory:
        memory.exists(key)
        barrier.wait(TIMEOUT)
        if memory.compare_and_set(key, None, name):
            with wins.get_lock():
                wins.value += 1
