"""The specification's own cost: ``pytest features/`` serially and with ``-n 2``.

Each run is a subprocess; the machine's CPU is read from the kernel's counters
(``/proc/stat``) before and after, so the servers' and the worker processes' work counts
too. Rows: wall seconds (-n 2 against the serial run: the speed-up), core-seconds, and the
busy share (core-seconds / (wall x cores)). Targets: at most 50 core-seconds, under 60 s
wall with -n 2, the machine at least 85 % busy under -n 2. Not part of ``--quick``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

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


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and core-seconds of one ``pytest`` run with ``args``."""
    busy, start = busy_seconds(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
    )
    wall, cores = time.perf_counter() - start, busy_seconds() - busy
    if done.returncode not in (0, 1):  # 1: some scenario failed, still a measured run
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {done.returncode}: "
            f"{(done.stdout + done.stderr).strip().splitlines()[-1:]}"
        )
    return wall, cores


def run(settings: Settings) -> list[Row]:
    paths = os.environ.get("AGENTSTORE_BENCH_SPEC", "features/").split()
    cpus = os.cpu_count() or 1
    serial, serial_cores = measure(paths)
    parallel, parallel_cores = measure([*paths, "-n", "2"])
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
    for workers, wall, cores in ((1, serial, serial_cores), (2, parallel, parallel_cores)):
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
    return rows
