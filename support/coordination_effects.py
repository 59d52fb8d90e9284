"""The effect log: where workers write what each task did, apart from the queue itself.

A SQLite file of the scenario's own (WAL, so threads and processes append at once). Counting
its rows per task is how a scenario proves every task was done once: none missing, none
repeated, whatever the queue claims about itself.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path


class EffectLog:
    """Appends one row per task done: the task's number, the worker and the claim's token."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS effects (task INTEGER, worker TEXT, token TEXT)"
        )

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
