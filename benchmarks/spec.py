"""The specification's own cost: ``pytest features/`` serially and with ``-n 2``.

Each run is a subprocess; the machine's CPU is read from the kernel's counters
(``/proc/stat``) before and after, so the servers' and the worker processes' work counts
too. Rows: wall seconds (-n 2 against the serial run: the speed-up), core-seconds, and the
busy share (core-seconds / (wall x cores)); and the run's own busy share, which counts only
its own processes and the PostgreSQL and Redis servers' (a shared machine's other programs
left out). Targets: at most 50 core-seconds, under 60 s wall with -n 2, the machine at least
85 % busy under -n 2. Not part of ``--quick``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    SPEC_BUSY_SHARE,
    SPEC_CORE_SECONDS,
    SPEC_WALL_SECONDS,
    Row,
    Settings,
    row,
)

TICKS = os.sysconf("SC_CLK_TCK")
IDLE_FIELDS = (3, 4)  # idle, iowait: every other field of the "cpu" line is work


def busy_seconds() -> float:
    """Core-seconds the whole machine has worked since boot."""
    with open("/proc/stat") as stat:
        fields = [int(n) for n in stat.readline().split()[1:8]]
    return sum(n for i, n in enumerate(fields) if i not in IDLE_FIELDS) / TICKS


SERVERS = ("postgres", "redis-server")


def _times(pid: str) -> tuple[str, float] | None:
    """A process's name and the core-seconds it and its reaped children used, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text.split(" (", 1)[1].rsplit(")", 1)
    fields = rest.split()  # fields[11:15]: utime, stime, cutime, cstime
    return name, sum(int(n) for n in fields[11:15]) / TICKS


def server_seconds() -> dict[str, float]:
    """Core-seconds of every PostgreSQL and Redis process now running, by pid (a server's
    ended backends count in their postmaster's reaped-children time)."""
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (times := _times(pid)) and times[0] in SERVERS:
            found[pid] = times[1]
    return found


def own_seconds() -> float:
    """Core-seconds this process's reaped children (the pytest run, its workers and the
    servers they started and stopped) have used."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, the machine's core-seconds, and the run's own core-seconds (its
    processes and the servers', other programs' work left out) of one ``pytest`` run."""
    busy, own, servers = busy_seconds(), own_seconds(), server_seconds()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
    )
    wall, cores = time.perf_counter() - start, busy_seconds() - busy
    after = server_seconds()
    served = sum(after[pid] - servers.get(pid, 0.0) for pid in after)
    ours = own_seconds() - own + served
    if done.returncode not in (0, 1):  # 1: some scenario failed, still a measured run
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {done.returncode}: "
            f"{(done.stdout + done.stderr).strip().splitlines()[-1:]}"
        )
    return wall, cores, ours


def run(settings: Settings) -> list[Row]:
    paths = os.environ.get("AGENTSTORE_BENCH_SPEC", "features/").split()
    cpus = os.cpu_count() or 1
    serial, serial_cores, serial_own = measure(paths)
    parallel, parallel_cores, parallel_own = measure([*paths, "-n", "2"])
    where = " ".join(paths)
    rows = [
        row("spec", f"pytest {where} wall", "all", 1, serial, "s"),
        row(
            "spec",
            f"pytest {where} -n 2 wall",
            "all",
            2,
            parallel,
            "s",
            serial,
            "serial wall",
            SPEC_WALL_SECONDS,
        ),
    ]
    runs = ((1, serial, serial_cores, serial_own), (2, parallel, parallel_cores, parallel_own))
    for workers, wall, cores, own in runs:
        label = "-n 2" if workers == 2 else "serial"
        rows.append(
            row(
                "spec",
                f"{label} core-seconds",
                "all",
                workers,
                cores,
                "core-s",
                target=SPEC_CORE_SECONDS,
            )
        )
        rows.append(
            row(
                "spec",
                f"{label} busy share",
                "all",
                workers,
                cores / (wall * cpus),
                "share",
                target=SPEC_BUSY_SHARE if workers == 2 else None,
            )
        )
        # On a shared machine the share above counts other programs too; this one does not.
        rows.append(
            row("spec", f"{label} own busy share", "all", workers, own / (wall * cpus), "share")
        )
    return rows
