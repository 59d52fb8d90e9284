"""Client programs that die with us, and scratch files that vanish with us.

A restore or backup may be killed at any moment (SIGKILL included). Two things must not
outlive it: a ``pg_dump``/``pg_restore`` child still working on the target, and a copy of
the dump on disk. Children are started with ``PR_SET_PDEATHSIG`` (Linux: the kernel kills
them when we die) in their own process group; scratch files are created unnamed
(``O_TMPFILE``: they have no name to leave behind) and handed to children as ``/dev/fd/N``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from typing import IO, Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start ``command`` so that it is killed when this process dies, however it dies."""
    return subprocess.Popen(command, preexec_fn=_die_with_parent, **options)


def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` to its end (killed with us); its output captured unless redirected."""
    options.setdefault("stdout", subprocess.PIPE)
    with spawn(command, stderr=subprocess.PIPE, **options) as child:
        out, err = child.communicate()
    return subprocess.CompletedProcess(command, child.returncode, out, err)


@contextlib.contextmanager
def scratch_file(folder: str | None = None) -> Iterator[IO[bytes]]:
    """A read-write file with no name (gone when closed or when we are killed)."""
    where = folder or tempfile.gettempdir()
    try:
        fd = os.open(where, os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here: a named file, unlinked at once
        fd, name = tempfile.mkstemp(prefix=".agentstore-scratch-", dir=where)
        os.unlink(name)
    with os.fdopen(fd, "w+b") as handle:
        yield handle


def child_path(handle: IO[bytes]) -> str:
    """The path a child reads ``handle`` by (pass ``handle.fileno()`` in ``pass_fds``)."""
    return f"/dev/fd/{handle.fileno()}"


@contextlib.contextmanager
def scratch_folder(prefix: str, parent: str | None = None) -> Iterator[str]:
    """A named folder for tools that need names (SQLite's backup API), removed on the way out;
    its name carries our pid, so a folder a killed run left is removed by the next run."""
    where = parent or tempfile.gettempdir()
    _sweep(where, prefix)
    folder = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=where)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep(where: str, prefix: str) -> None:
    """Remove the folders of ``prefix`` whose process is gone."""
    with contextlib.suppress(OSError):
        for name in os.listdir(where):
            pid = name[len(prefix) :].split("-")[0] if name.startswith(prefix) else ""
            if pid.isdigit() and not alive(int(pid)):
                shutil.rmtree(os.path.join(where, name), ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether a process ``pid`` still runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
