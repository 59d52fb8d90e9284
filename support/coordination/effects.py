"""The effect log: where workers write what each task did, apart from the queue itself.

A SQLite file of the scenario's own (WAL, so threads and processes append at once). Counting
its rows per task is how a scenario proves every task was done once: none missing, none
repeated, whatever the queue claims about itself.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path


def new_effect_log(folder: Path) -> Path:
    """A fresh effect log in ``folder``, in WAL mode with its table, ready for workers.

    Switching to WAL needs the file to itself, so it happens here, once, before any worker
    opens the log: eight workers switching at once would find the file locked.
    """
    path = folder / "effects.db"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS effects (task INTEGER, worker TEXT, token TEXT)")
    finally:
        db.close()
    return path


class EffectLog:
    """Appends one row per task done: the task's number, the worker and the claim's token."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)

    def record(self, task: int, worker: str, token: str) -> None:
        self._db.execute("INSERT INTO effects VALUES (?, ?, ?)", (task, worker, token))

    def counts(self) -> Counter[int]:
        """How many times each task's effect was recorded."""
        return Counter(task for (task,) in self._db.execute("SELECT task FROM effects"))

    def total(self) -> int:
        return self._db.execute("SELECT count(*) FROM effects").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EffectLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
