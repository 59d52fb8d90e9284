"""The one workload only asyncio has: cancelling a claim half-way (``@asyncio_only``), on the
scenario's queue opened through ``support.api.openers`` (a sync facade over the async queue)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from agentstore import Job
from agentstore.coordination import Queue
from support.api.facade import Facade
from support.coordination.effects import EffectLog

# -- cancelling a claim ---------------------------------------------------------------------

#: Cancellations tried before giving up on landing one while the server takes a task.
CANCEL_TRIES = 400
HOLD_LOOP = 0.003  # seconds the loop is held before a cancellation (see _cancel_until_taken)


def cancel_claim_mid_call(queue: Queue, effects: Path, lease: float) -> int:
    """Cancel claims, each a few more loop turns after it starts, until one is cancelled
    after the server gave it a task (the caller never hears which); returns after how many
    turns. A claim that returned before its cancellation is an ordinary worker's: it does
    its task (recorded in ``effects``) and completes it."""
    if not isinstance(queue, Facade):
        raise TypeError("only agentstore.asyncio's queue can be cancelled mid-call")
    return int(queue.run(_cancel_until_taken(queue.inner, effects, lease)))


async def _cancel_until_taken(queue: Any, effects: Path, lease: float) -> int:
    with EffectLog(effects) as log:
        for tries in range(CANCEL_TRIES):
            turns = tries % 50
            held = (await queue.stats())["running"]
            task = asyncio.create_task(queue.claim("hasty-worker", lease=lease))
            for _ in range(turns):
                await asyncio.sleep(0)
            # Hold the loop a moment: what the claim has sent, the server answers meanwhile,
            # but the claim cannot read the answer before it is cancelled.
            time.sleep(HOLD_LOOP)
            task.cancel()
            (answer,) = await asyncio.gather(task, return_exceptions=True)
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, Job):  # it returned first: an ordinary worker's claim
                log.record(answer.payload["n"], "hasty-worker", answer.token)
                await queue.complete(answer)
            elif (await queue.stats())["running"] > held:
                return turns
    raise AssertionError(f"none of {CANCEL_TRIES} cancellations landed while a task was taken")
