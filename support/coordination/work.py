"""A scenario's work queue: where it lives, the queue itself, and the effect log of its workers.

Shared by the coordination steps (exactly once, retries, bad input, order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentstore.coordination import Queue
from harness.isolation.places import Isolated, Isolation
from support.api import openers
from support.coordination.workers import QUEUE

#: A claim's lease in the draining scenarios: long enough never to lapse under load.
LEASE = 30.0
#: The lease in the dropped-connection scenario: a claim whose answer was lost with its
#: connection is taken over after this long. 3 s once lapsed on a loaded 2-core machine while a
#: worker still held its task (it then heard "already done" from the worker that took it over).
SHORT_LEASE = 8.0


@dataclass
class Work:
    """The scenario's queue, where it lives, and the effect log its workers write to."""

    place: Isolated
    queue: Queue
    effects: Path


def scenario_queue(
    isolation: Isolation, place: Isolated, name: str = QUEUE, **options: Any
) -> Queue:
    """The scenario's queue, through the API this run drives (``--api``)."""
    return isolation.closing(openers.open_queue(place.url, name, prefix=place.prefix, **options))
