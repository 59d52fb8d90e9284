"""The fleet commander: hands a batch of tasks to agents by capability and follows it to the end.

- ``dispatch`` puts each task on the work queue of the capability it needs
  (``<fleet>/<capability>``), so an agent only ever claims tasks it is capable of;
- ``agent(name)`` is the worker side of an agent enlisted in the database: it claims from the
  queues of the capabilities its record lists, records every execution against itself
  (succeeded or failed, when it started and ended, with its output or error), and hands
  the handler the shared memory for intermediate results;
- ``report`` says how much of the batch is done and which tasks died (dead letters).

Everything goes through the public pieces: ``open_queue``, ``Database`` with
``agentstore.db.records``, and a ``MemoryStore``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentstore.coordination.opening import open_queue
from agentstore.coordination.protocol import Job, Queue
from agentstore.coordination.validation import check_name
from agentstore.db import Database, records
from agentstore.memory.protocol import MemoryStore
from agentstore.urls import BackendURL

#: What an agent runs for a task: (task name, payload, shared memory or None) -> result.
Handler = Callable[[str, Any, "MemoryStore | None"], Any]


@dataclass(frozen=True)
class Task:
    """One unit of work: a name the report uses, the capability it needs, its input."""

    name: str
    capability: str
    payload: Any = None


@dataclass(frozen=True)
class BatchReport:
    """How far the batch is: tasks dispatched, done, and the names of those that died."""

    total: int
    done: int
    dead: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Every task is either done or dead."""
        return self.done + len(self.dead) >= self.total


class FleetCommander:
    """Dispatches tasks by capability and reports on the batch."""

    def __init__(
        self,
        queue_url: str | BackendURL,
        database: Database,
        *,
        memory: MemoryStore | None = None,
        name: str = "fleet",
        prefix: str = "",
        lease: float = 30.0,
        max_attempts: int = 3,
        backoff: float = 1.0,
    ) -> None:
        self.queue_url = queue_url
        self.database = database
        self.memory = memory
        self.name = check_name(name, "fleet")
        self.prefix = prefix
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._queues: dict[str, Queue] = {}
        self._total = 0

    def queue(self, capability: str) -> Queue:
        """The work queue of one capability (opened once)."""
        if capability not in self._queues:
            name = f"{self.name}/{check_name(capability, 'capability')}"
            self._queues[capability] = open_queue(
                self.queue_url, name, prefix=self.prefix, backoff=self.backoff
            )
        return self._queues[capability]

    def enlist(self, agent: str, role: str, capabilities: Iterable[str]) -> None:
        """Record an agent and what it can do (the database is where capabilities live)."""
        with self.database.session() as session:
            records.create_agent(session, agent, role, capabilities=list(capabilities))

    def dispatch(self, tasks: Iterable[Task]) -> int:
        """Enqueue every task on its capability's queue; returns how many."""
        count = 0
        for task in tasks:
            check_name(task.name, "task")
            self.queue(task.capability).enqueue(
                {"task": task.name, "payload": task.payload}, max_attempts=self.max_attempts
            )
            count += 1
        self._total += count
        return count

    def agent(self, name: str) -> FleetAgent:
        """The worker side of the enlisted agent ``name`` (``MissingRecord`` if unknown)."""
        with self.database.session() as session:
            agent = records.get_agent(session, name)
            agent_id, capabilities = agent.id, list(agent.capabilities)
        return FleetAgent(self, name, agent_id, capabilities)

    def report(self) -> BatchReport:
        """Tasks dispatched so far, how many are done, which died (by name)."""
        done, dead = 0, []
        for queue in self._queues.values():
            done += queue.stats()["done"]
            dead += [letter.payload["task"] for letter in queue.dead_letters()]
        return BatchReport(self._total, done, sorted(dead))

    def wait(self, timeout: float, poll: float = 0.05) -> BatchReport:
        """The report once the batch is finished, or as it stands after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not (report := self.report()).finished and time.monotonic() < deadline:
            time.sleep(poll)
        return report

    def close(self) -> None:
        for queue in self._queues.values():
            queue.close()
        self._queues.clear()


class FleetAgent:
    """One agent working for the commander: claims only what its capabilities allow."""

    def __init__(
        self, commander: FleetCommander, name: str, agent_id: int, capabilities: list[str]
    ) -> None:
        self.commander = commander
        self.name = name
        self.agent_id = agent_id
        self.capabilities = capabilities

    def work_one(self, handler: Handler) -> bool:
        """Claim and run one task this agent can do; ``False`` when none is waiting."""
        for capability in self.capabilities:
            queue = self.commander.queue(capability)
            job = queue.claim(self.name, lease=self.commander.lease)
            if job is not None:
                self._run(queue, job, handler)
                return True
        return False

    def work(self, handler: Handler) -> int:
        """Run tasks until none this agent can do is waiting; returns how many it ran."""
        count = 0
        while self.work_one(handler):
            count += 1
        return count

    def _run(self, queue: Queue, job: Job, handler: Handler) -> None:
        task, payload = job.payload["task"], job.payload["payload"]
        started = datetime.now(UTC)
        clock = time.monotonic()
        try:
            result = handler(task, payload, self.commander.memory)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            queue.fail(job, reason)
            self._record(task, "failed", started, clock, error=reason)
            return
        queue.complete(job, result)
        self._record(task, "succeeded", started, clock, output={"result": result})

    def _record(
        self, task: str, status: str, started: datetime, clock: float, **outcome: Any
    ) -> None:
        """One execution row, written in one go: a transaction whose first statement is the
        write, so SQLite takes its write lock at once instead of upgrading a read."""
        with self.commander.database.session() as session:
            records.record_execution(
                session,
                self.agent_id,
                task,
                status=status,
                started_at=started,
                finished_at=datetime.now(UTC),
                duration_seconds=time.monotonic() - clock,
                **outcome,
            )
