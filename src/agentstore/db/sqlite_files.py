"""SQLite files: where a URL points, and refusing one that does not exist.

Opening a SQLite file that is not there creates an empty one. Paths that only read (the
current revision, a downgrade, opening an existing store) call ``sqlite_file_must_exist``
first, so a typo in a path is reported instead of leaving an empty file behind.
"""

from __future__ import annotations

from pathlib import Path

from agentstore.errors import BackendUnavailable
from agentstore.urls import BackendURL, migrate_command, parse


def sqlite_path(url: str | BackendURL) -> Path | None:
    """The file a SQLite URL names; ``None`` for other backends and in-memory databases."""
    return parse(url).sqlite_path


def sqlite_file_must_exist(url: str | BackendURL) -> None:
    """Raise ``BackendUnavailable`` when ``url`` names a SQLite file that does not exist."""
    url = parse(url)
    path = url.sqlite_path
    if path is not None and not path.exists():
        raise BackendUnavailable(
            f"the SQLite database {path} does not exist ({url.redacted}): "
            f"create it with `{migrate_command(url)}`"
        )
