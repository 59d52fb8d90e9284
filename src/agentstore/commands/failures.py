"""What a command's failure means to its user, when a library below raised its own error.

The CLI's safety net under the commands: a driver's error (psycopg, SQLAlchemy, redis-py, sqlite3),
a file system error, a damaged zip stream, or a file that nests too deeply or is too large
to read becomes an ``AgentstoreError`` with one line naming what failed, the URL shown with
its secrets hidden and any driver text that may quote them withheld. An error with no
meaning here gets ``None`` (the CLI then reports it as an internal error, still one line).
"""

from __future__ import annotations

import argparse
import sqlite3
import zipfile
import zlib

from agentstore.auth import authentication_failed, is_postgres_auth, is_redis_auth
from agentstore.errors import (
    AgentstoreError,
    AuthenticationFailed,
    BackendUnavailable,
    BackupCorrupt,
    BackupError,
    InvalidInput,
    MigrationError,
    RecordError,
)
from agentstore.urls import redact, scrub

#: Commands that read a backup file (``--input``).
READERS = ("restore", "import")
_KINDS: dict[str, type[AgentstoreError]] = {
    "backup": BackupError,
    "restore": BackupError,
    "export": BackupError,
    "import": BackupError,
    "migrate": MigrationError,
    "seed": RecordError,
}


def one_line(text: object, url: str | None = None) -> str:
    """``text`` as one line of at most 300 characters, anything that may quote a secret of
    ``url`` withheld."""
    line = " ".join(str(text).split())[:300]
    return scrub(line, url) if url else line


def translate(error: Exception, args: argparse.Namespace) -> AgentstoreError | None:
    """The agentstore error ``error`` stands for in the command ``args`` ran, if any."""
    url = getattr(args, "url", None) if isinstance(getattr(args, "url", None), str) else None
    command = str(getattr(args, "command", ""))
    source = getattr(args, "input", None)
    where = redact(url) if url else "the database"
    detail = one_line(_driver_text(error), url) or type(error).__name__
    kind = _KINDS.get(command, AgentstoreError)
    if is_postgres_auth(error) or is_redis_auth(error):
        return (
            authentication_failed(url)
            if url
            else AuthenticationFailed("authentication failed: check the user and password")
        )
    if _is_unreachable(error):
        return BackendUnavailable(f"cannot reach {where}: {detail}")
    if _is_driver_error(error):
        what = f"{command} of {source} into {where}" if source else f"{command} at {where}"
        return kind(f"{what} failed: {detail}")
    if source and command in READERS:
        if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
            return BackupCorrupt(f"{source} is damaged ({detail})")
        if isinstance(error, RecursionError):
            return BackupCorrupt(f"{source} holds data nested too deeply to read")
        if isinstance(error, MemoryError):
            return BackupCorrupt(f"{source} holds more data than fits in memory")
        if isinstance(error, UnicodeError):
            return BackupCorrupt(f"{source} holds text that is not valid UTF-8")
    if isinstance(error, UnicodeError):
        return InvalidInput(f"{command}: an argument is not valid text ({type(error).__name__})")
    if isinstance(error, OSError):
        name = f" {error.filename}" if error.filename else ""
        return kind(f"{command}: cannot use{name}: {error.strerror or detail}")
    return None


def _driver_text(error: BaseException) -> object:
    return getattr(error, "orig", None) or error


def _is_unreachable(error: Exception) -> bool:
    """A server that cannot be reached or refuses the session (by class, not by text)."""
    import psycopg
    import redis
    from sqlalchemy import exc

    from agentstore.db.failures import sqlstate

    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        code = sqlstate(error)
        return code is None or code[:2] in ("08", "28", "3D", "57")
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        code = getattr(error, "sqlstate", None)
        return code is None or code[:2] in ("08", "28", "3D", "57")
    return False


def _is_driver_error(error: Exception) -> bool:
    import psycopg
    import redis
    from sqlalchemy import exc

    return isinstance(error, psycopg.Error | exc.SQLAlchemyError | redis.RedisError | sqlite3.Error)
