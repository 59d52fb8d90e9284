"""How fast this machine's cores are: one figure to compare timings taken on two machines.

No imports beyond the standard library, so that CI can print it at once (``.ci/run``).
"""

from __future__ import annotations

import math
import time


def reference_seconds(rounds: int = 3) -> float:
    """CPU seconds one core takes for a fixed pure-Python workload, best of ``rounds``: how fast
    this machine is, so that figures (and CI times) taken on two machines can be compared (the
    same code's CI took 318 s on one machine of this kind and 530 s on another)."""
    best = math.inf
    for _ in range(rounds):
        started = time.process_time()
        sums: dict[str, int] = {}
        for number in range(1_000_000):
            sums[str(number % 1000)] = sums.get(str(number % 1000), 0) + number
        best = min(best, time.process_time() - started)
    return round(best, 3)
