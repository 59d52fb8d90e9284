"""Nothing left behind: a SQLite file that a refused command created is removed again.

Opening a SQLite file that is not there creates an empty one. A command that fails after
that (a damaged archive to import, a seed refused for want of a schema) would leave an
empty file where there was none, and the next command would find a "database" there. The
CLI notes which SQLite files its options name that do not exist yet (each journal file
beside them on its own: an old journal that was there stays), and once the command has failed
removes those that exist now as plain files. What that guarantees: a file (or journal) that was
there before the command stays, and so does a link. What it does not: the command's files are
not told apart from a file someone else created there while the command ran. Each file's
identity (``st_dev``, ``st_ino``) is read just before its removal and checked again right
before the unlink, which narrows the race with a file put there in between; it does not
close it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
from pathlib import Path

from agentstore.db.sqlite_files import sqlite_path
from agentstore.errors import AgentstoreError

#: The options that may name a SQLite file (``doctor --sqlite`` takes a plain path too).
OPTIONS = ("url", "sqlite")
#: What SQLite writes beside a database file.
JOURNALS = ("-journal", "-wal", "-shm")


def missing_sqlite_files(args: argparse.Namespace) -> list[Path]:
    """The SQLite files the command's options name, and the journal files beside them, that
    do not exist (yet)."""
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
            if os.path.lexists(path):
                continue
            missing.append(path)
            missing += [
                journal
                for journal in (path.with_name(path.name + end) for end in JOURNALS)
                if not os.path.lexists(journal)
            ]
        except OSError:
            continue
    return missing


Identity = tuple[int, int]


def created(paths: list[Path]) -> dict[Path, Identity]:
    """Which of ``paths`` (noted missing) exist now as plain files, and as which file."""
    seen = {}
    for path in paths:
        with contextlib.suppress(OSError):
            found = os.lstat(path)
            if stat.S_ISREG(found.st_mode):
                seen[path] = (found.st_dev, found.st_ino)
    return seen


def remove_created(seen: dict[Path, Identity]) -> None:
    """Remove each file of ``seen`` that is still the very file seen (device and inode)."""
    for path, identity in seen.items():
        with contextlib.suppress(OSError):
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) == identity and stat.S_ISREG(now.st_mode):
                path.unlink()


def remove(paths: list[Path]) -> None:
    """Remove each of ``paths`` (noted missing before the command) that a command created."""
    remove_created(created(paths))
