"""Translate what the database driver raises into agentstore's own errors.

One place decides what a failed statement means to a caller: a taken name, a missing
record, a full pool, an unreachable server, or a schema that was never migrated. It decides
by what the server reports as codes, never by message text, which a server may translate
(``lc_messages``): PostgreSQL's SQLSTATE and constraint name, SQLite's extended result code.
Any other operational failure (a file that cannot be opened, a disk error) is an unavailable
backend, told in one line with anything that may hold the password left out.

:func:`driver_failure` is the one door: every driver (sync or asyncio, ORM or raw connection)
hands it what its driver raised, and whether the connection is gone.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NoReturn

from sqlalchemy import exc

from agentstore.auth import authentication_failed, is_postgres_auth
from agentstore.errors import (
    AgentstoreError,
    BackendUnavailable,
    ConstraintViolation,
    DuplicateName,
    MissingRecord,
    PoolExhausted,
    RecordError,
    SchemaNotMigrated,
    WriteConflict,
)
from agentstore.urls import BackendURL, migrate_command, redact, scrub

#: The unique constraint that makes an agent's name its own (named by ``db.base``'s convention).
AGENT_NAME_CONSTRAINT = "uq_agents_name"
#: SQLite names no constraint; its (never translated) message names the columns instead.
_SQLITE_AGENT_NAME = "agents.name"

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
UNDEFINED_TABLE = "42P01"
#: Deadlock and serialization failure: the server rolled the transaction back.
CONFLICTS = frozenset({"40P01", "40001"})
#: SQLSTATE classes of a server that cannot be reached or refuses the session.
_UNREACHABLE_CLASSES = frozenset({"08", "28", "3D", "57"})


def one_line(text: object) -> str:
    """The first line of a driver message, whitespace collapsed."""
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return " ".join(first.split())


def _driver_error(error: BaseException) -> BaseException:
    return getattr(error, "orig", None) or error


def sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of ``error`` (or of the driver error it wraps), if it has one."""
    code = getattr(_driver_error(error), "sqlstate", None)
    return code if isinstance(code, str) else None


def sqlite_code(error: BaseException) -> str | None:
    """SQLite's extended result code name (``SQLITE_CONSTRAINT_UNIQUE``...), if any."""
    name = getattr(_driver_error(error), "sqlite_errorname", None)
    return name if isinstance(name, str) else None


def _constraint(error: BaseException) -> str | None:
    diag = getattr(_driver_error(error), "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name if isinstance(name, str) else None


def integrity_kind(error: exc.IntegrityError) -> type[RecordError]:
    """Which rule a refused write broke: a taken agent name, a missing parent, or another."""
    code, lite = sqlstate(error), sqlite_code(error)
    if code == UNIQUE_VIOLATION and _constraint(error) == AGENT_NAME_CONSTRAINT:
        return DuplicateName
    if lite in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
        columns = str(_driver_error(error)).rpartition(":")[2].replace(" ", "").split(",")
        if columns == [_SQLITE_AGENT_NAME]:
            return DuplicateName
    if code == FOREIGN_KEY_VIOLATION or lite == "SQLITE_CONSTRAINT_FOREIGNKEY":
        return MissingRecord
    return ConstraintViolation


def _never_migrated(error: exc.SQLAlchemyError) -> bool:
    if sqlstate(error) == UNDEFINED_TABLE:
        return True
    # SQLite's messages are part of its C API and never translated; "no such table" is the
    # only way it tells this case from other SQLITE_ERRORs.
    return sqlite_code(error) == "SQLITE_ERROR" and "no such table" in str(_driver_error(error))


def driver_failure(
    error: BaseException,
    url: str | BackendURL,
    pool_timeout: float = 0.0,
    *,
    lost: bool = False,
    connecting: bool = False,
) -> AgentstoreError | None:
    """The agentstore error a database driver's ``error`` stands for; ``None`` when it is not
    a database failure (raise it as it is). ``error`` may be SQLAlchemy's or the driver's own
    (psycopg, sqlite3, aiosqlite); ``lost``: the connection it came from is gone (a connection
    never made is not lost); ``connecting``: it came while making a connection, so whatever the
    driver's reason (a URL libpq cannot parse raises ``ProgrammingError``), the server was not
    reached. Every message names ``url`` redacted and quotes the driver scrubbed.
    """
    if isinstance(error, AgentstoreError):
        return error
    if not isinstance(error, exc.SQLAlchemyError):
        base = _dbapi_base(error)
        if base is None:
            return None
        error = exc.DBAPIError.instance(None, None, error, base, connection_invalidated=lost)
    assert isinstance(error, exc.SQLAlchemyError)
    lost = lost or bool(getattr(error, "connection_invalidated", False))
    meaning = _translate(error, url, pool_timeout, lost)
    unavailable = isinstance(error, exc.InterfaceError | exc.OperationalError)
    if meaning is None and (unavailable or (connecting and isinstance(error, exc.DBAPIError))):
        message = scrub(one_line(_driver_error(error)), url)
        verb = "cannot reach" if connecting else "cannot use"
        meaning = BackendUnavailable(f"{verb} {redact(url)}: {message}")
    return meaning


def raise_meaning(error: Exception, meaning: Exception | None) -> NoReturn:
    """Raise what ``error`` means: ``meaning``, caused by ``error``; or, when it means nothing
    more (``None``, or ``error`` itself, as :func:`driver_failure` hands an agentstore error
    back), ``error`` as it was, never its own cause."""
    if meaning is None or meaning is error:
        raise error
    raise meaning from error


def connection_lost(error: BaseException, connection: Any, dialect: Any) -> bool:
    """Whether the pooled ``connection`` that raised ``error`` is gone (the dialect decides)."""
    driver = connection.driver_connection
    if getattr(driver, "broken", False) or getattr(driver, "closed", False):
        return True
    return isinstance(error, dialect.loaded_dbapi.Error) and bool(
        dialect.is_disconnect(error, connection.dbapi_connection, None)
    )


def _dbapi_base(error: BaseException) -> type[Exception] | None:
    """The PEP 249 ``Error`` class of the driver that raised ``error`` (psycopg's or sqlite3's,
    which aiosqlite raises too), if it came from one: a ``csv.Error`` is no database failure."""
    import psycopg  # the engines load it anyway; here only when a raw driver error is seen

    for base in (psycopg.Error, sqlite3.Error):
        if isinstance(error, base):
            return base
    return None


def _translate(
    error: exc.SQLAlchemyError, url: str | BackendURL, pool_timeout: float, lost: bool
) -> AgentstoreError | None:
    where = redact(url)
    if isinstance(error, exc.TimeoutError):
        return PoolExhausted(
            f"no database connection became free within {pool_timeout:g} s "
            f"({pool_timeout * 1000:g} ms) at {where}: the pool is exhausted"
        )
    message = scrub(one_line(_driver_error(error)), url)
    if isinstance(error, exc.IntegrityError):
        kind = integrity_kind(error)
        if kind is DuplicateName:
            return DuplicateName("an agent with that name already exists")
        if kind is MissingRecord:
            return MissingRecord(f"the record it refers to does not exist ({message})")
        return ConstraintViolation(message)
    if isinstance(error, exc.OperationalError | exc.ProgrammingError) and _never_migrated(error):
        return SchemaNotMigrated(
            f"{where} holds no agentstore schema yet: run `{migrate_command(url)}` ({message})"
        )
    if sqlite_code(error) in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return BackendUnavailable(
            f"{where} stayed locked by another writer for longer than the busy timeout"
        )
    if lost and isinstance(error, exc.DBAPIError):
        return BackendUnavailable(f"lost the connection to {where}: {message}")
    code = sqlstate(error)
    if is_postgres_auth(error):
        return authentication_failed(url)
    if code in CONFLICTS:
        return WriteConflict(f"concurrent writers conflicted at {where} (SQLSTATE {code})")
    if isinstance(error, exc.InterfaceError | exc.OperationalError) and (
        code[:2] in _UNREACHABLE_CLASSES if code else sqlite_code(error) is None
    ):
        return BackendUnavailable(f"cannot reach {where}: {message}")
    if isinstance(error, exc.OperationalError):
        return BackendUnavailable(f"cannot use {where}: {message}")
    return None
