"""Demo data: plausible agents and executions made with Faker, reproducible from a seed.

``agentstore seed`` and the specification's factories both draw their records from here,
so there is one idea of what a realistic agent looks like.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agentstore.db import records
from agentstore.db.database import Database

if TYPE_CHECKING:  # Faker is imported when demo data is made, not by every CLI command
    from faker import Faker

ROLES = ("planner", "coder", "reviewer", "researcher", "tester", "summariser")
CAPABILITIES = ("search", "summarise", "code", "review", "plan", "browse", "test", "translate")
AGENT_STATUSES = ("idle", "busy", "paused")
EXECUTION_STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "running")
# A fixed window, so that a seed alone decides every timestamp (runs reproduce on any day).
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC))


def faker(seed: int | None = None) -> Faker:
    """A Faker whose output is fixed by ``seed`` (random when ``seed`` is None)."""
    from faker import Faker

    fake = Faker()
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def agent_fields(fake: Faker, index: int) -> dict[str, Any]:
    """One agent's fields; ``index`` keeps names unique within a batch."""
    return {
        "name": f"{fake.user_name()}-{index}",
        "role": fake.random_element(ROLES),
        "status": fake.random_element(AGENT_STATUSES),
        "capabilities": fake.random_elements(CAPABILITIES, length=3, unique=True),
        "priority": fake.random_int(0, 5),
    }


POOL_SIZE = 256
"""Distinct sentences drawn per kind (tasks, summaries, errors) for one Faker."""

_pools: dict[int, dict[str, list[str]]] = {}


def _pool(fake: Faker, kind: str) -> list[str]:
    """``POOL_SIZE`` sentences of one kind, drawn once from ``fake`` (so its seed decides them).

    Faker spends about 100 µs on each sentence; picking from a pool with Faker's own random
    generator makes 100,000 executions cost a few hundred sentences instead of 250,000.
    """
    pools = _pools.setdefault(id(fake), {})
    if kind not in pools:
        words = 6 if kind == "task" else 8
        pools[kind] = [fake.sentence(nb_words=words).rstrip(".") for _ in range(POOL_SIZE)]
    return pools[kind]


_SPAN_SECONDS = int((WINDOW[1] - WINDOW[0]).total_seconds())


def execution_fields(fake: Faker) -> dict[str, Any]:
    """One execution's fields; its duration is a whole number of milliseconds."""
    return execution_batch(fake, 1)[0]


def execution_batch(fake: Faker, count: int) -> list[dict[str, Any]]:
    """``count`` executions' fields, drawn as ``count`` calls of :func:`execution_fields` would
    draw them (same seed, same rows), without Faker's per-call attribute lookups."""
    rng = fake.random  # one lookup: Faker's proxy makes each attribute access cost
    choice, randrange, randint = rng.choice, rng.randrange, rng.randint
    pools = _pools.setdefault(id(fake), {})
    start, span = WINDOW[0], _SPAN_SECONDS
    batch = []
    for _ in range(count):
        status = choice(EXECUTION_STATUSES)
        started = start + timedelta(seconds=randrange(span))
        milliseconds = randint(5, 600_000)
        done = status != "running"
        # Pools are drawn the first time a kind is needed, as before: the seed's sequence holds.
        task = choice(pools.get("task") or _pool(fake, "task"))
        batch.append(
            {
                "task": task,
                "status": status,
                "started_at": started,
                "finished_at": started + timedelta(milliseconds=milliseconds) if done else None,
                "duration_seconds": milliseconds / 1000 if done else None,
                "output": {"summary": choice(pools.get("summary") or _pool(fake, "summary"))}
                if status == "succeeded"
                else None,
                "error": choice(pools.get("error") or _pool(fake, "error"))
                if status == "failed"
                else None,
            }
        )
    return batch


BATCH = 5_000
"""Executions drawn at a time when seeding (one agent's stream in as one statement)."""


def spread(agents: int, executions: int) -> list[int]:
    """How ``executions`` in all are shared by ``agents`` agents: as evenly as whole numbers
    allow, the first agents taking one more (40 over 3: 14, 13, 13)."""
    if agents < 1:
        if executions > 0:
            raise ValueError(f"{executions} executions need at least one agent to belong to")
        return []
    each, extra = divmod(executions, agents)
    return [each + 1 if index < extra else each for index in range(agents)]


def seed(
    database: Database,
    agents: int,
    *,
    executions: int,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Add ``agents`` agents and ``executions`` executions IN ALL, spread over the agents by
    :func:`spread` ("5 agents with 40 executions": 8 each); returns the agents' names.

    The same ``seed`` gives the same records. ``progress`` is called with the number of
    executions written so far, after every ``BATCH``. Each agent's executions go in as one
    statement (``records.record_executions``: COPY on PostgreSQL); all in one transaction.
    ``ValueError`` when there are executions but no agent.
    """
    shares = spread(agents, executions)
    fake = faker(seed)
    names = []
    written = 0

    def drawn(count: int) -> list[dict[str, Any]]:
        nonlocal written
        batch = execution_batch(fake, count)
        written += count
        if progress is not None:
            progress(written)
        return batch

    try:
        with database.session() as session:
            # Numbering continues after the agents already there: seeding twice never collides.
            first = records.count_agents(session) + 1
            for index, share in enumerate(shares, start=first):
                agent = records.create_agent(session, **agent_fields(fake, index))
                names.append(agent.name)
                sizes = [BATCH] * (share // BATCH) + [share % BATCH]
                runs = itertools.chain.from_iterable(drawn(n) for n in sizes)
                records.record_executions(session, agent.id, runs)
    finally:
        _pools.pop(id(fake), None)
    return names
