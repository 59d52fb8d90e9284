"""An import SIGKILLed at random moments: after each kill the target must hold exactly what
it held before or exactly the archive (its whole fingerprint), and no file may be left."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from agentstore import backup as backups
from agentstore import open_memory
from harness.isolation.places import Isolation
from support.backup import workloads as backup_workloads
from support.backup.fingerprints import fingerprint
from support.backup.workloads import Store

#: The whole kill loop stops starting new kills after this many seconds.
BUDGET = 25.0


def _command(url: str, path: Path, prefix: str) -> list[str]:
    return [
        sys.executable, "-m", "agentstore.cli", "import", "--force",
        "--url", url, "--input", str(path), "--prefix", prefix,
    ]  # fmt: skip


def _files(folder: Path) -> list[str]:
    """The files in ``folder``, SQLite's own journal files aside (it owns and replays them)."""
    return sorted(
        p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm", "-journal"))
    )


def big_archive(isolation: Isolation, tmp_path: Path, backend: str) -> tuple[Path, Store]:
    """An archive that takes about a second to import, and a target holding data of its own."""
    if backend == "redis":
        source = backup_workloads.new_store(isolation, "redis")
        with open_memory(source.url, "aqe", source.prefix) as memory:
            memory.store_many({f"aqe/fact-{i}": {"n": i, "text": "x" * 50} for i in range(30000)})
        target = backup_workloads.new_store(isolation, "redis")
    else:
        source = backup_workloads.seeded(isolation, "sqlite", 300, 15000)
        backup_workloads.remember(source, {f"aqe/new-{i}": None for i in range(200)})
        target = backup_workloads.seeded(isolation, backend, 4, 8, seed=8)
    backups.export(source.url, tmp_path / "big.zip", prefix=source.prefix)
    backup_workloads.remember(target, {"aqe/old": 3000.0, "aqe/kept": None})
    return tmp_path / "big.zip", target


def kill_at_random_moments(
    target: Store, archive: Path, tmp_path: Path, times: int, seed: int
) -> list[str]:
    """Kill ``times`` imports of ``archive`` into ``target``; "old" or "new" for each kill.

    Raises ``AssertionError`` when a kill left anything else, or left a file behind.
    """
    old_file = tmp_path / "old.zip"
    backups.export(target.url, old_file, prefix=target.prefix)
    # The old state as an import leaves it (ids restart after the highest): the reference.
    backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
    old = fingerprint(target.url, target.prefix)
    started = time.monotonic()
    subprocess.run(_command(target.url, archive, target.prefix), check=True, capture_output=True)
    full = time.monotonic() - started
    new = fingerprint(target.url, target.prefix)
    assert new != old
    backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
    files = _files(tmp_path)
    randomly = random.Random(seed)
    deadline = time.monotonic() + BUDGET
    outcomes = []
    for _ in range(times):
        if time.monotonic() > deadline:
            break
        process = subprocess.Popen(
            _command(target.url, archive, target.prefix),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(randomly.uniform(0.2, full))
        process.kill()
        process.wait()
        found = fingerprint(target.url, target.prefix)
        assert found in (old, new), "a killed import left the target half-way"
        outcomes.append("new" if found == new else "old")
        if found == new:
            backups.import_archive(target.url, old_file, force=True, prefix=target.prefix)
        assert _files(tmp_path) == files, "a killed import left a file"
    return outcomes
