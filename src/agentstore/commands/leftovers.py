"""Nothing left behind: a SQLite file that a refused command created is removed again.

Opening a SQLite file that is not there creates an empty one. A command that fails after
that (a damaged archive to import, a seed refused for want of a schema) would leave an
empty file where there was none, and the next command would find a "database" there. The
CLI notes which SQLite files its options name that do not exist yet, and removes those that
exist once the command has failed (with SQLite's journal files beside them).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from agentstore.db.sqlite_files import sqlite_path
from agentstore.errors import AgentstoreError

#: The options that may name a SQLite file (``doctor --sqlite`` takes a plain path too).
OPTIONS = ("url", "sqlite")
#: What SQLite writes beside a database file.
JOURNALS = ("-journal", "-wal", "-shm")


def missing_sqlite_files(args: argparse.Namespace) -> list[Path]:
    """The SQLite files the command's options name that do not exist (yet)."""
    missing = []
    for option in OPTIONS:
        value = getattr(args, option, None)
        if not isinstance(value, str) or not value:
            continue
        try:
            path = sqlite_path(value) if "://" in value else Path(value)
        except AgentstoreError:  # not a URL we know: the command will say so
            continue
        if path is None or str(path) == ":memory:":
            continue
        # lexists: a link that is there (even dangling) is the user's, never ours to remove;
        # an unreachable folder raises instead of answering, and the command will say so.
        try:
            if not os.path.lexists(path):
                missing.append(path)
        except OSError:
            continue
    return missing


def remove(paths: list[Path]) -> None:
    """Remove each of ``paths`` and its journal files, where they exist now."""
    for path in paths:
        for name in (path, *(path.with_name(path.name + end) for end in JOURNALS)):
            with contextlib.suppress(OSError):
                if name.is_file() and not name.is_symlink():
                    name.unlink()
