"""What the user sees: a progress line on a terminal, and one summary line at the end."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from agentstore.backup.manifest import Manifest


class Progress:
    """Rewrites one status line on a terminal; silent anywhere else (a pipe, a file, a log).

    ``count`` shows how far a step is, with its total when known and its rate since the step
    began (``exporting executions: 40,000/102,000 rows (39%), 81,000 rows/s``); ``show`` shows
    a step that has no count (``dumping with pg_dump 16``). The line goes to ``stream``
    (stderr), so the summary on stdout stays one line.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self._last = 0.0
        self._step = ""
        self._began = time.monotonic()

    def show(self, text: str, force: bool = False) -> None:
        """Show ``text`` as the status line (at most ten times a second unless ``force``)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last > 0.1:
            self._last = now
            self.stream.write(f"\r\x1b[K{text}")
            self.stream.flush()

    def count(self, step: str, done: int, total: int | None = None, unit: str = "rows") -> None:
        """Show that ``done`` of ``total`` ``unit`` of ``step`` are done, and at what rate.

        The rate counts from the moment ``step`` was first named (or the progress was made,
        for the first step)."""
        if not self.enabled:
            return
        now = time.monotonic()
        first = step != self._step
        if first:
            if self._step:
                self._began = now
            self._step = step
        line = progress_line(step, done, total, unit, now - self._began)
        self.show(line, force=first or done == total)  # a step's first and last always show

    def done(self) -> None:
        """Clear the status line (the summary comes next)."""
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def progress_line(step: str, done: int, total: int | None, unit: str, seconds: float) -> str:
    """``step: done/total unit (percent), rate unit/s``; without a total, ``step: done unit``."""
    rate = f"{done / seconds:,.0f} {unit}/s" if seconds > 0.01 else f"- {unit}/s"
    if total is None:
        return f"{step}: {done:,} {unit}, {rate}"
    share = f"{100 * done // total}%" if total else "100%"
    return f"{step}: {done:,}/{total:,} {unit} ({share}), {rate}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream without isatty, or closed
        return False


QUIET = Progress(enabled=False)


#: The table native backups keep memory in; its rows are stated as memory entries.
MEMORY_TABLE = "memory_entries"
#: The schema bookmark: the revision, stated by the manifest, never counted as data.
BOOKMARK = "alembic_version"


@dataclass
class Summary:
    """What one backup, restore, export or import moved; ``str()`` is its one-line summary.

    Every number states what the backup FILE holds, the same way for all four commands, so
    an export and the import of the same archive (or a backup and its restore) print the
    same numbers (:meth:`held`): ``tables`` agentstore's data tables (the schema bookmark and
    the memory aside), ``rows`` their rows, ``entries`` the memory entries, ``bytes`` the
    size of the file on disk.
    """

    action: str
    where: str
    tables: int = 0
    rows: int = 0
    entries: int = 0
    bytes: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic, repr=False)

    def held(self, manifest: Manifest, path: str | os.PathLike[str]) -> Summary:
        """Take the numbers from the file at ``path`` and its ``manifest``, and finish."""
        data = {name: t for name, t in manifest.tables.items() if name != BOOKMARK}
        memory = data.pop(MEMORY_TABLE, None)
        self.tables = len(data)
        self.rows = sum(t.rows for t in data.values())
        self.entries = int(manifest.memory.get("entries", 0)) + (memory.rows if memory else 0)
        self.bytes = os.path.getsize(path)
        return self.finish()

    def finish(self) -> Summary:
        self.seconds = time.monotonic() - self.started
        return self

    def __str__(self) -> str:
        return (
            f"{self.action}: {self.tables} tables, {self.rows:,} rows, "
            f"{self.entries:,} memory entries, a {_size(self.bytes)} file "
            f"in {self.seconds:.1f} s ({self.where})"
        )


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"
