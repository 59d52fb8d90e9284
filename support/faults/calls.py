"""One agent's calls while its server misbehaves: timed, judged, and run on threads of their own.

A call's outcome records the agentstore error it raised (or its value) and how long it took by
the monotonic clock; the Then steps judge outcomes against a generous upper bound only.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agentstore import MemoryStore, open_memory
from agentstore.errors import BackendUnavailable
from harness.backends import TITLES
from harness.servers.faults import ThrowawayPostgres, ThrowawayRedis
from harness.servers.faults_plugin import FaultPlace
from support.common.expect import expect_that, shown
from support.underneath.keys import MEMORY_TABLE

NAMESPACE = "aqe"


def open_agent_memory(place: FaultPlace, query: str = "") -> MemoryStore:
    """The memory of an agent in ``place``; ``query`` adds URL options (e.g. timeouts)."""
    url = place.url + (("&" if "?" in place.url else "?") + query if query else "")
    return open_memory(url, namespace=NAMESPACE, prefix=place.prefix)


def wait_bound_query(backend: str, seconds: float) -> str:
    """URL options that make a call wait at most ``seconds`` for an answer: the operator's
    setting (PostgreSQL's statement timeout, Redis's socket timeout)."""
    if backend == "postgres":
        return f"options=-c%20statement_timeout%3D{int(seconds * 1000)}"
    if backend == "redis":
        return f"socket_timeout={seconds:g}"
    raise ValueError(f"no wait bound for {backend}")


@contextlib.contextmanager
def stalled(place: FaultPlace, seconds: float) -> Iterator[None]:
    """The place's server accepts calls but answers none for ``seconds`` at most (Redis
    paused; PostgreSQL's memory locked by another session) until the block ends."""
    server = place.server
    if isinstance(server, ThrowawayRedis):
        with server.paused(seconds):
            yield
    elif isinstance(server, ThrowawayPostgres):
        from sqlalchemy.engine import make_url

        with server.lock_held(make_url(place.url).database, MEMORY_TABLE):
            yield
    else:
        raise ValueError(f"no server to stall on {place.backend}")


@dataclass
class CallOutcome:
    """What one call returned or raised, and how many seconds it took."""

    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    before: Any = None
    """What the memory held before the call, when a Then step compares."""


def timed(call: Callable[[], Any]) -> CallOutcome:
    """Run ``call`` and record its outcome; any exception is recorded, never raised."""
    started = time.monotonic()
    try:
        value = call()
    except BaseException as error:  # judged by the Then step, whatever it is
        return CallOutcome(error=error, seconds=time.monotonic() - started)
    return CallOutcome(value=value, seconds=time.monotonic() - started)


def a_call(memory: MemoryStore) -> Any:
    """An ordinary call an agent makes: recall a fact."""
    return memory.retrieve(f"{NAMESPACE}/status")


def assert_clear_failure(outcome: CallOutcome, backend: str, url: str, bound: float) -> None:
    """The call failed with ``BackendUnavailable`` within ``bound`` seconds, in one line that
    names the backend (its product name and its address, password hidden)."""
    from agentstore.urls import redact

    wanted = "the call to fail as the server unavailable"
    expect_that(outcome.error is not None, wanted, f"it succeeded with {shown(outcome.value)}")
    found = f"{type(outcome.error).__name__}: {outcome.error}"
    expect_that(isinstance(outcome.error, BackendUnavailable), wanted, found)
    message = str(outcome.error)
    expect_that("\n" not in message, "the error in one line", shown(message))
    title = TITLES[backend]
    expect_that(title.lower() in message.lower(), f"the error naming {title}", shown(message))
    address = redact(url).split("://", 1)[1].split("/", 1)[0]
    expect_that(address in message, f"the error naming the server {address}", shown(message))
    expect_that(
        outcome.seconds <= bound,
        f"the failure within {shown(bound)} seconds",
        f"it after {shown(outcome.seconds)}",
    )


@dataclass
class ThreadedCalls:
    """Calls made on threads of their own, as an agent's workers would make them."""

    before: set[int] = field(default_factory=set)
    """The threads alive before these calls started."""
    threads: list[threading.Thread] = field(default_factory=list)
    outcomes: list[CallOutcome] = field(default_factory=list)

    def start(self, calls: list[Callable[[], Any]]) -> None:
        lock = threading.Lock()

        def run(call: Callable[[], Any]) -> None:
            outcome = timed(call)
            with lock:
                self.outcomes.append(outcome)

        for n, call in enumerate(calls):
            thread = threading.Thread(target=run, args=(call,), name=f"agent-call-{n}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def join(self, bound: float) -> None:
        """Wait up to ``bound`` seconds in all for every call to end."""
        deadline = time.monotonic() + bound
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def still_running(self) -> list[str]:
        """Threads of these calls still alive (blocked on the server)."""
        return [t.name for t in self.threads if t.is_alive()]


def threads_started_since(before: set[int]) -> list[str]:
    """Names of live threads that were not alive when ``before`` was taken."""
    return sorted(t.name for t in threading.enumerate() if t.ident not in before)


def live_thread_ids() -> set[int]:
    """The identities of every live thread in this process."""
    return {t.ident for t in threading.enumerate() if t.ident is not None}


def snapshot(memory: MemoryStore) -> tuple[dict[str, Any], Any]:
    """Everything a memory holds, through its API: every key with its value, and its stats."""
    keys = memory.list_keys()
    return memory.retrieve_many(keys), memory.stats()


@dataclass
class DoctorRun:
    """What ``agentstore doctor`` printed and its exit code."""

    exit_code: int
    output: str

    @property
    def warnings(self) -> list[str]:
        return [line.split(None, 2)[2] for line in self.output.splitlines() if " warn " in line]

    @property
    def ok_lines(self) -> int:
        return sum(1 for line in self.output.splitlines() if line.split()[1:2] == ["ok"])


def run_doctor(backend: str, url: str) -> DoctorRun:
    """``agentstore doctor --<backend> URL`` in a process of its own, as an operator runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "agentstore.cli", "doctor", f"--{backend}", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return DoctorRun(done.returncode, done.stdout + done.stderr)


def server_of(place: FaultPlace) -> Any:
    """The throwaway server behind ``place`` (there is none on SQLite)."""
    assert place.server is not None, f"{place.backend} has no server to fault"
    return place.server
