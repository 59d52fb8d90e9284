"""Agents working through faults, and the promises checked afterwards.

Each agent runs on a thread with a memory of its own on the shared place and, over and over,
writes a fact of its own (a new key) and adds one to a shared counter and to its own counter.
It notes every answer: acknowledged (the call returned) or refused (an agentstore error; the
write may or may not have happened). Afterwards the checks hold the place to its promises:

- every acknowledged fact is there, with its value, exactly once; no fact was never written;
- no counter lost an acknowledged increment, and none counts more than was attempted.

Recovery time: from the moment the server answers again to each agent's next successful call.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agentstore import MemoryStore
from agentstore.errors import AgentstoreError
from harness.servers.faults import ThrowawayPostgres, ThrowawayRedis, wait_until
from harness.servers.faults_plugin import FaultPlace
from support.common.expect import expect, expect_between, expect_that, shown
from support.faults.calls import NAMESPACE, open_agent_memory

SHARED_COUNTER = f"{NAMESPACE}/counters/shared"
PAUSE_AFTER_REFUSAL = 0.05


def own_counter(agent: int) -> str:
    return f"{NAMESPACE}/counters/agent-{agent}"


def fact_key(agent: int, n: int) -> str:
    return f"{NAMESPACE}/facts/agent-{agent}/{n:06d}"


@dataclass
class AgentLog:
    """What one agent was told: acknowledged and refused writes, and when it succeeded."""

    agent: int
    acked_facts: dict[str, int] = field(default_factory=dict)
    refused_facts: set[str] = field(default_factory=set)
    acked_increments: dict[str, int] = field(default_factory=dict)
    refused_increments: dict[str, int] = field(default_factory=dict)
    successes: list[float] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def count(self, table: dict[str, int], key: str) -> None:
        table[key] = table.get(key, 0) + 1


class Workload:
    """``agents`` agents writing facts and counting, each on a thread of its own."""

    def __init__(self, place: FaultPlace, agents: int) -> None:
        self.place = place
        self.logs = [AgentLog(n) for n in range(agents)]
        self.faults: list[tuple[str, float]] = []  # (fault, moment the server answered again)
        self._stop = threading.Event()
        self._memories: list[MemoryStore] = [open_agent_memory(place) for _ in range(agents)]
        self._threads = [
            threading.Thread(target=self._work, args=(log, memory), name=f"agent-{log.agent}")
            for log, memory in zip(self.logs, self._memories, strict=True)
        ]

    def _work(self, log: AgentLog, memory: MemoryStore) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            key = fact_key(log.agent, n)
            if self._attempt(log, memory.store, key, n):
                log.acked_facts[key] = n
            else:
                log.refused_facts.add(key)
            for counter in (SHARED_COUNTER, own_counter(log.agent)):
                counted = self._attempt(log, memory.increment, counter)
                log.count(log.acked_increments if counted else log.refused_increments, counter)

    @staticmethod
    def _attempt(log: AgentLog, call: Callable[..., object], *args: object) -> bool:
        """Whether the call was acknowledged; a refusal is noted, the agent pauses a moment."""
        try:
            call(*args)
        except AgentstoreError as error:
            log.refusals.append(f"{type(error).__name__}: {error}")
        except Exception as error:  # not a clear agentstore error: a broken promise
            log.unexpected.append(f"{type(error).__name__}: {error}")
        else:
            log.successes.append(time.monotonic())
            return True
        time.sleep(PAUSE_AFTER_REFUSAL)
        return False

    # -- running ----------------------------------------------------------------------------
    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the agents (once) and close their memories; every agent must have ended."""
        if self._stop.is_set():
            return
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        stuck = [t.name for t in self._threads if t.is_alive()]
        for memory in self._memories:
            memory.close()
        assert not stuck, f"agents still blocked after the workload stopped: {stuck}"

    def wait_for_work(self, timeout: float = 60.0) -> None:
        """Until every agent has had a call succeed after the last fault."""
        since = self.faults[-1][1] if self.faults else 0.0

        def everyone_worked() -> bool:
            return all(any(t > since for t in log.successes) for log in self.logs)

        try:
            wait_until(everyone_worked, "every agent working", timeout)
        except TimeoutError:
            idle = [log.agent for log in self.logs if not any(t > since for t in log.successes)]
            message = f"agents {idle} had no call succeed within {timeout:g} s"
            raise AssertionError(message) from None

    def fault(self, name: str, action: Callable[[], None]) -> None:
        """Apply a fault; ``action`` returns once the server answers again."""
        action()
        self.faults.append((name, time.monotonic()))

    # -- what was found ---------------------------------------------------------------------
    def recovery_ms(self, kind: str | None = None) -> list[float]:
        """Per fault (of ``kind``, or any) and agent: ms from the server answering again to
        the agent's next successful call."""
        found = []
        for name, back in self.faults:
            if kind is not None and name != kind:
                continue
            for log in self.logs:
                after = [t for t in log.successes if t >= back]
                if after:
                    found.append((after[0] - back) * 1000)
        return found

    def summary(self) -> str:
        """One paragraph: the agents, the faults, what was acknowledged and refused, and the
        median recovery per kind of fault."""
        acked = sum(len(log.acked_facts) for log in self.logs)
        refusals = [r.split(":", 1)[0] for log in self.logs for r in log.refusals]
        kinds = sorted({name for name, _ in self.faults})
        counts = ", ".join(f"{sum(n == k for n, _ in self.faults)} {k}" for k in kinds)
        recovery = "; ".join(
            f"{k} {statistics.median(ms):.0f} ms (n={len(ms)})"
            for k in kinds
            if (ms := self.recovery_ms(k))
        )
        refused = ", ".join(f"{refusals.count(e)} {e}" for e in sorted(set(refusals))) or "none"
        return (
            f"{len(self.logs)} agents on {self.place.backend}: faults {counts or 'none'}; "
            f"{acked} facts acknowledged; calls refused with a clear error: {refused}; "
            f"median recovery (server answering again -> an agent's next success): "
            f"{recovery or 'n/a'}"
        )


def check_facts(workload: Workload, memory: MemoryStore) -> None:
    """Every acknowledged fact present once with its value; no fact no agent wrote; no call
    failed with an error other than agentstore's own."""
    unexpected = [e for log in workload.logs for e in log.unexpected]
    expect_that(
        not unexpected,
        "every failed call to end in a clear agentstore error",
        f"other errors: {unexpected[:3]}",
    )
    keys = memory.list_keys(f"{NAMESPACE}/facts/")
    twice = sorted({key for key in keys if keys.count(key) > 1})
    expect_that(not twice, "each fact listed once", f"these listed more than once: {twice[:5]}")
    present = set(keys)
    stored = memory.retrieve_many(keys)
    for log in workload.logs:
        missing = [k for k in log.acked_facts if k not in present]
        expect_that(
            not missing,
            f"every fact acknowledged to agent {log.agent} kept",
            f"{len(missing)} lost, e.g. {missing[:5]}",
        )
        for key, value in log.acked_facts.items():
            expect(stored.get(key), value, f"{shown(key)} to hold what was acknowledged,")
    attempted = {k for log in workload.logs for k in (*log.acked_facts, *log.refused_facts)}
    phantoms = present - attempted
    expect_that(not phantoms, "only facts agents wrote", f"others: {sorted(phantoms)[:5]}")
    acked = sum(len(log.acked_facts) for log in workload.logs)
    expect_that(acked > 0, "some facts acknowledged", "none")


def check_counters(workload: Workload, memory: MemoryStore) -> None:
    """Every counter at least its acknowledged increments, at most all attempted ones."""
    totals = _counter_totals(workload)
    expect_that(bool(totals), "some counters incremented", "none")
    for counter, (acked, refused) in totals.items():
        value = memory.retrieve(counter, 0)
        expect_between(
            value, acked, acked + refused, f"(acknowledged to all attempted) for {shown(counter)}"
        )


def _counter_totals(workload: Workload) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for log in workload.logs:
        for key in {*log.acked_increments, *log.refused_increments}:
            acked, refused = totals.get(key, (0, 0))
            totals[key] = (
                acked + log.acked_increments.get(key, 0),
                refused + log.refused_increments.get(key, 0),
            )
    return totals


def restart(server: ThrowawayPostgres | ThrowawayRedis) -> None:
    """Stop hard and start again; returns once the server answers."""
    server.stop_hard()
    server.start()


def through_restart(workload: Workload, server: ThrowawayPostgres | ThrowawayRedis) -> None:
    """Every agent gets a write acknowledged, the server restarts, every agent gets one again."""
    workload.start()
    workload.wait_for_work()
    workload.fault("restart", lambda: restart(server))
    workload.wait_for_work()
    workload.stop()


#: Seconds between two faults of the soak, drawn at random within these bounds.
SOAK_GAP = (0.5, 3.0)
STALL_SECONDS = 1.0


def soak(workload: Workload, place: FaultPlace, seconds: float, rng: random.Random) -> None:
    """Faults of every kind at random moments for ``seconds``; the agents carry on between."""
    from support.faults.calls import stalled

    server = place.server
    assert server is not None

    def stall() -> None:
        with stalled(place, STALL_SECONDS):
            time.sleep(STALL_SECONDS)

    faults = {"restart": lambda: restart(server), "cut": server.terminate_clients, "stall": stall}
    workload.start()
    deadline = time.monotonic() + seconds
    workload.wait_for_work()
    while time.monotonic() + SOAK_GAP[0] < deadline:
        time.sleep(min(rng.uniform(*SOAK_GAP), max(0.0, deadline - time.monotonic())))
        name = rng.choice(sorted(faults))
        workload.fault(name, faults[name])
    workload.wait_for_work()
    workload.stop()
