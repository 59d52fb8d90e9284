"""Translate what the database driver raises into agentstore's own errors.

One place decides what a failed statement means to a caller: a taken name, a missing
record, a full pool, an unreachable server, or a schema that was never migrated. Any other
operational failure (a file that cannot be opened, a disk error) is an unavailable backend,
told in one line.
"""

from __future__ import annotations

from sqlalchemy import exc

from agentstore.errors import (
    AgentstoreError,
    BackendUnavailable,
    ConstraintViolation,
    DuplicateName,
    MissingRecord,
    PoolExhausted,
    RecordError,
    SchemaNotMigrated,
)
from agentstore.urls import redact


def one_line(text: object) -> str:
    """The first line of a driver message, whitespace collapsed."""
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return " ".join(first.split())


def integrity_kind(error: exc.IntegrityError) -> type[RecordError]:
    """Which rule a refused write broke: a taken agent name, a missing parent, or another."""
    message = one_line(error.orig).lower()
    if "unique" in message and ("agents.name" in message or "uq_agents_name" in message):
        return DuplicateName
    if "foreign key" in message:
        return MissingRecord
    return ConstraintViolation


def translate(error: exc.SQLAlchemyError, url: str, pool_timeout: float) -> AgentstoreError | None:
    """The agentstore error ``error`` stands for, or ``None`` when it has no meaning here."""
    where = redact(url)
    if isinstance(error, exc.TimeoutError):
        return PoolExhausted(
            f"no database connection became free within {pool_timeout:g} s "
            f"({pool_timeout * 1000:g} ms) at {where}: the pool is exhausted"
        )
    if isinstance(error, exc.IntegrityError):
        kind = integrity_kind(error)
        if kind is DuplicateName:
            return DuplicateName("an agent with that name already exists")
        if kind is MissingRecord:
            return MissingRecord(f"the record it refers to does not exist ({one_line(error.orig)})")
        return ConstraintViolation(one_line(error.orig))
    message = one_line(getattr(error, "orig", error))
    lowered = message.lower()
    if isinstance(error, exc.OperationalError | exc.ProgrammingError) and (
        "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered)
    ):
        return SchemaNotMigrated(
            f"{where} holds no agentstore schema yet: run `agentstore migrate up` ({message})"
        )
    if isinstance(error, exc.OperationalError) and "database is locked" in message:
        return BackendUnavailable(
            f"{where} stayed locked by another writer for longer than the busy timeout"
        )
    if isinstance(error, exc.OperationalError) and getattr(error, "connection_invalidated", False):
        return BackendUnavailable(f"lost the connection to {where}: {message}")
    if isinstance(error, exc.InterfaceError | exc.OperationalError) and "connect" in message:
        return BackendUnavailable(f"cannot reach {where}: {message}")
    if isinstance(error, exc.OperationalError):
        return BackendUnavailable(f"cannot use {where}: {message}")
    return None
