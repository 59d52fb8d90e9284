"""SQLite files: where a URL points, and refusing one that does not exist.

Opening a SQLite file that is not there creates an empty one. Paths that only read (the
current revision, a downgrade, opening an existing store) call ``sqlite_file_must_exist``
first, so a typo in a path is reported instead of leaving an empty file behind.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from agentstore.errors import BackendUnavailable
from agentstore.urls import backend_of, migrate_command, redact


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names; ``None`` for other backends and in-memory databases."""
    if backend_of(url) != "sqlite":
        return None
    try:
        database = make_url(url).database
    except ArgumentError:
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def sqlite_file_must_exist(url: str) -> None:
    """Raise ``BackendUnavailable`` when ``url`` names a SQLite file that does not exist."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise BackendUnavailable(
            f"the SQLite database {path} does not exist ({redact(url)}): "
            f"create it with `{migrate_command(url)}`"
        )
