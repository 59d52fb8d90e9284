"""Commands SIGKILLed at random moments (issue 19): the import, the restore and the backup.

After each kill the target must hold exactly what it held before or exactly what the command
would have written (its whole fingerprint), no file may be left, and no child the killed
command started (``pg_restore``, ``pg_dump``) may outlive it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from agentstore import backup as backups
from agentstore import open_memory
from harness.isolation.places import Isolation
from support.backup import workloads as backup_workloads
from support.backup.fingerprints import fingerprint
from support.backup.workloads import Store
from support.common.expect import expect, expect_that

#: The whole kill loop stops starting new kills after this many seconds: a bound for a machine
#: so loaded that the loop would never end, not a way to do fewer kills than asked (a loop cut
#: short fails its Then step, well before pytest-timeout's 120 s would end the scenario with
#: no word on the kills). Ten kills of an import take 6-10 s here.
BUDGET = 60.0


def _arguments(url: str, path: Path, prefix: str) -> list[str]:
    return ["import", "--force", "--url", url, "--input", str(path), "--prefix", prefix]


class Killable(Protocol):
    """A started command, as :func:`kill_loop` handles it (a ``subprocess.Popen`` is one)."""

    pid: int

    def send_signal(self, sig: int, /) -> None: ...
    def kill(self) -> None: ...
    def wait(self) -> int: ...


_FORKER = textwrap.dedent(
    """
    import json, os, sys
    from agentstore import cli
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            code = 1
            try:
                code = cli.main(json.loads(line))
            finally:
                os._exit(code)
        print(pid, flush=True)
        sys.stdin.readline()  # reaped only when asked: till then its pid stays its own
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
    """
)


def _untraced(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` minus coverage.py's order to measure Python subprocesses (set when
    the run is measured, as in CI): a forked command ends in ``os._exit``, which keeps
    coverage from ever saving what it traced, so tracing it only made each import (and so
    each kill loop) two to three times as slow."""
    return {k: v for k, v in env.items() if k != "COVERAGE_PROCESS_CONFIG"}


class Forked:
    """One ``agentstore`` command a :class:`Forker` started: a process of its own."""

    def __init__(self, pid: int, orders: IO[str], answers: IO[str]) -> None:
        self.pid = pid
        self.reaped = False
        self._orders, self._answers = orders, answers

    def send_signal(self, sig: int, /) -> None:
        os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self) -> int:
        """Its exit code (negative: the signal that ended it), once the forker reaped it."""
        self._orders.write("wait\n")
        self._orders.flush()
        code = int(self._answers.readline())
        self.reaped = True
        return code


class Forker:
    """A process that loaded the CLI once and forks each ``agentstore`` command from there.

    The child runs the CLI's ``main`` as ``python -m agentstore.cli`` would, in a process of
    its own that no other command ran in; only the second of loading Python and the CLI's
    modules is spent once instead of before every run, so each kill lands in the command's
    own work rather than in the interpreter's start.
    """

    def __init__(self, env: dict[str, str] | None = None) -> None:
        """``env``: the commands' environment (this process's by default)."""
        self._process = subprocess.Popen(
            [sys.executable, "-c", _FORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_untraced(os.environ if env is None else env),
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._orders, self._answers = self._process.stdin, self._process.stdout
        ready = self._answers.readline().strip()
        if ready != "ready":
            self._process.kill()
            self._process.communicate()
            raise RuntimeError(f"the CLI forker did not start: {ready!r}")
        self._last: Forked | None = None

    def start(self, arguments: list[str]) -> Forked:
        """Start ``agentstore ARGUMENTS`` in a forked process."""
        self._orders.write(json.dumps(arguments) + "\n")
        self._orders.flush()
        self._last = Forked(int(self._answers.readline()), self._orders, self._answers)
        return self._last

    def timed(self, arguments: list[str]) -> float:
        """Run ``agentstore ARGUMENTS`` to its end (it must succeed); its seconds."""
        started = time.monotonic()
        code = self.start(arguments).wait()
        assert code == 0, f"agentstore {' '.join(arguments[:1])} exited {code}"
        return time.monotonic() - started

    def close(self) -> None:
        """Stop the forker, never blocking for long: a child started and not yet waited for
        (a loop interrupted while it was stopped) is SIGKILLed first, as the forker would
        otherwise wait for it for ever; its pid cannot be reused, as nobody reaped it yet."""
        if self._last is not None and not self._last.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._last.pid, signal.SIGKILL)
        with contextlib.suppress(BrokenPipeError):
            self._orders.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._answers.close()


@contextmanager
def forker() -> Iterator[Forker]:
    """A :class:`Forker`, stopped when the block ends."""
    started = Forker()
    try:
        yield started
    finally:
        started.close()


def _parents() -> dict[int, int]:
    """Every live process's parent, from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The name in parentheses may hold spaces: the fields after it are fixed.
            found[int(entry)] = int(text.rsplit(")", 1)[1].split()[1])
    return found


def descendants(pid: int) -> set[int]:
    """The processes ``pid`` started, and theirs, as /proc shows them now."""
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive (a zombie waiting to be reaped counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_for_child(pid: int, name: str, within: float) -> None:
    """Wait until ``pid`` has a child process running the program ``name``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for child in descendants(pid):
            try:
                if Path(f"/proc/{child}/comm").read_text().strip() == name:
                    return
            except OSError:
                continue
        time.sleep(0.01)
    raise AssertionError(f"the command never started {name}")


def _signal(pids: set[int], number: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            continue


def outlived(pids: set[int], within: float = 2.0) -> list[str]:
    """The command lines of ``pids`` still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.05)
    left = []
    for pid in sorted(pids):
        if _running(pid):
            try:
                left.append(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:200])
            except OSError:
                continue
    return left


def kill_loop(
    start: Callable[[], Killable],
    full: float,
    times: int,
    seed: int,
    after: Callable[[], None],
    earliest: float = 0.01,
    budget: float = BUDGET,
    aim: str | None = None,
) -> int:
    """Start a command (``start()``, a :class:`Forker`'s) up to ``times`` times and SIGKILL
    it at a random moment of its ``full`` uncut duration; then check its children die within
    2 s and call ``after``.

    The command is stopped (SIGSTOP) before its children are listed, so it cannot start one
    unseen between the listing and the kill, and the children are stopped too: one that dies
    then was killed by the kernel with its parent, not by finishing its work or by a broken
    pipe. With ``aim`` (a program name) every second kill comes as soon as the command has
    started that program, so some kills surely find it running. Returns how many kills were
    made. ``earliest`` is small: a forked command is at work within milliseconds.
    """
    assert full > 2 * earliest, f"an uncut run of {full:.3f} s leaves no moment to kill it in"
    randomly = random.Random(seed)
    deadline = time.monotonic() + budget
    made = 0
    for _ in range(times):
        if time.monotonic() > deadline:
            break
        process = start()
        moment = randomly.uniform(earliest, full)
        if aim and made % 2:
            # Floored: a loaded machine (two xdist workers beside inner sessions) took longer
            # than 2 * full to start the program, and the kill loop failed on time, not a rule.
            _wait_for_child(process.pid, aim, within=max(2 * full, 10.0))
        else:
            time.sleep(moment)
        process.send_signal(signal.SIGSTOP)
        children = descendants(process.pid)
        _signal(children, signal.SIGSTOP)
        process.kill()
        process.wait()
        made += 1
        left = outlived(children)
        _signal(children, signal.SIGKILL)  # what outlived it goes now, the test fails below
        assert not left, f"a killed command's children outlived it: {left}"
        after()
    return made


def _files(folder: Path) -> list[str]:
    """The files in ``folder``, SQLite's own journal files aside (it owns and replays them)."""
    return sorted(
        p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm", "-journal"))
    )


#: The big archive: agents and executions (and 200 facts), or facts alone for Redis. Its
#: import takes about half a second here once the CLI is loaded (a forked import): long
#: enough that ten random moments fall in each of its stages, from reading to committing.
BIG_RECORDS = (150, 6000)
BIG_FACTS = 12000


def big_archive(isolation: Isolation, tmp_path: Path, backend: str) -> tuple[Path, Store]:
    """An archive of thousands of records and facts, and a target holding data of its own."""
    if backend == "redis":
        source = backup_workloads.new_store(isolation, "redis")
        with open_memory(source.url, "aqe", source.prefix) as memory:
            facts = {f"aqe/fact-{i}": {"n": i, "text": "x" * 50} for i in range(BIG_FACTS)}
            memory.store_many(facts)
        target = backup_workloads.new_store(isolation, "redis")
    else:
        source = backup_workloads.seeded(isolation, "sqlite", *BIG_RECORDS)
        backup_workloads.remember(source, {f"aqe/new-{i}": None for i in range(200)})
        target = backup_workloads.seeded(isolation, backend, 4, 8, seed=8)
    backups.export(source.url, tmp_path / "big.zip", prefix=source.prefix)
    backup_workloads.remember(target, {"aqe/old": 3000.0, "aqe/kept": None})
    return tmp_path / "big.zip", target


def kill_at_random_moments(
    target: Store, archive: Path, tmp_path: Path, times: int, seed: int
) -> list[str]:
    """Kill ``times`` imports of ``archive`` into ``target``; "old" or "new" for each kill.

    Each import is forked from a process that loaded the CLI once (:class:`Forker`), so the
    random moment falls in the import's own work. Raises ``AssertionError`` when a kill left
    anything else, or left a file behind.
    """
    old_file = tmp_path / "old.zip"
    backups.export(target.url, old_file, prefix=target.prefix)
    # The old state as an import leaves it (ids restart after the highest): the reference.
    backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
    old = fingerprint(target.url, target.prefix)
    arguments = _arguments(target.url, archive, target.prefix)
    outcomes: list[str] = []
    with forker() as commands:
        full = commands.timed(arguments)
        new = fingerprint(target.url, target.prefix)
        assert new != old
        backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
        files = _files(tmp_path)

        def check() -> None:
            found = fingerprint(target.url, target.prefix)
            expect_that(
                found in (old, new), "the target as before or as the archive", "it half-way"
            )
            outcomes.append("new" if found == new else "old")
            if found == new:
                backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
            expect(_files(tmp_path), files, "after a killed import, the files to be")

        start = lambda: commands.start(arguments)  # noqa: E731
        kill_loop(start, full, times, seed, check)
    return outcomes
