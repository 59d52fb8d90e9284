"""What the user sees: a progress line on a terminal, and one summary line at the end."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


class Progress:
    """Rewrites one status line on a terminal (tables, rows); silent anywhere else."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def show(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last > 0.1:
            self._last = now
            self.stream.write(f"\r\x1b[K{text}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


QUIET = Progress(enabled=False)


@dataclass
class Summary:
    """What one backup, restore, export or import moved; ``str()`` is its one-line summary."""

    action: str
    where: str
    tables: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic, repr=False)

    def finish(self) -> Summary:
        self.seconds = time.monotonic() - self.started
        return self

    def __str__(self) -> str:
        return (
            f"{self.action}: {self.tables} tables, {self.rows:,} rows, "
            f"{_size(self.bytes)} in {self.seconds:.1f} s ({self.where})"
        )


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"
