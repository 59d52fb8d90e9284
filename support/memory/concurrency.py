"""Many agents at once on one memory: separate processes (each with its own connections) or threads.

Every worker opens its own memory, waits at a barrier so all start together, and does its
share of the work; the caller then checks the outcome through the public API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.isolation.places import Isolated
from support.api import openers
from support.common import together
from support.memory.workers import TIMEOUT as _TIMEOUT
from support.memory.workers import claim as _claim
from support.memory.workers import increment as _increment


def increment_together(place: Isolated, key: str, agents: int, times: int, kind: str) -> None:
    """``agents`` workers (``"processes"`` or ``"threads"``) each increment ``key`` ``times``."""
    run_together(
        kind,
        agents,
        _increment,
        lambda barrier, _: (place.url, place.prefix, key, times, barrier, openers.api()),
    )


def claim_together(place: Isolated, key: str, agents: int, kind: str) -> int:
    """``agents`` workers race to claim ``key`` (set it only if unset); returns how many won."""
    wins = together.context().Value("i", 0)
    run_together(
        kind,
        agents,
        _claim,
        lambda barrier, i: (
            place.url,
            place.prefix,
            key,
            f"agent-{i}",
            barrier,
            wins,
            openers.api(),
        ),
    )
    return wins.value


def run_together(
    kind: str, agents: int, target: Callable[..., None], args: Callable[[Any, int], tuple]
) -> None:
    """Start ``agents`` workers of ``kind`` on ``target`` together; fail if any of them fails.

    Workers get ``_TIMEOUT`` seconds in all, less than pytest's own timeout, so a hang fails
    here with a message and no worker outlives the scenario.
    """
    together.run_together(kind, agents, target, args, _TIMEOUT)
