"""Writing an archive that appears whole at its name or not at all, even when killed.

The zip is written into an unnamed file (``O_TMPFILE``) in the destination's folder, so a
killed export leaves nothing behind; only when complete is it given a name carrying the
writer's process id and renamed over the destination. A file system without unnamed files
gets the pid-named file from the start. Each run first removes the pid-named files of
writers that are no longer alive (a kill in between leaves one, and only one).
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from agentstore.backup import children


def _partial(out: Path, pid: int) -> Path:
    return out.with_name(f".{out.name}.{pid}.partial")


def remove_stale(out: Path) -> list[Path]:
    """Remove the partial files next to ``out`` left by writers that died; which ones."""
    pattern = re.compile(re.escape(f".{out.name}.") + r"(\d+)\.partial\Z")
    removed = []
    for path in out.parent.glob(f".{glob_escape(out.name)}.*.partial"):
        found = pattern.match(path.name)
        if found and int(found.group(1)) != os.getpid() and not children.alive(int(found.group(1))):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _link(fd: int, name: Path) -> None:
    """Give the unnamed file ``fd`` the name ``name`` (``linkat`` following /proc's link;
    Python calls ``linkat`` rather than ``link`` only when given a directory descriptor)."""
    root = os.open("/", os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=root, follow_symlinks=True)
    finally:
        os.close(root)


@contextlib.contextmanager
def writing(out: str | os.PathLike[str]) -> Iterator[zipfile.ZipFile]:
    """A zip archive (deflated, fast level) that appears at ``out`` only when complete."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    named = _partial(out, os.getpid())
    try:
        fd = os.open(out.parent, os.O_TMPFILE | os.O_RDWR, 0o600)
        unnamed = True
    except (AttributeError, OSError):
        fd = os.open(named, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        unnamed = False
    try:
        with (
            os.fdopen(fd, "w+b") as handle,
            zipfile.ZipFile(
                handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
            ) as archive,
        ):
            yield archive
            archive.close()
            handle.flush()
            os.fsync(handle.fileno())
            if unnamed:
                _link(handle.fileno(), named)
        os.replace(named, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            named.unlink()
