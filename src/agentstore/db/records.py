"""Small functions over agents and executions; each takes the caller's session.

As SQLAlchemy advises, these functions never open, commit or close a session: the caller
does (usually ``with db.session() as s:``), so several calls form one transaction.
A refused write raises an ``agentstore.errors.RecordError`` naming what was wrong.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    exc,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from agentstore.db.failures import integrity_kind, one_line
from agentstore.db.models import Agent, Execution
from agentstore.errors import DuplicateName, MissingRecord, RecordError

AGENT_FIELDS = {"role", "status", "capabilities", "priority", "last_seen_at"}


def _flush(session: Session, *, name: str | None = None, agent_id: int | None = None) -> None:
    try:
        session.flush()
    except exc.IntegrityError as error:
        kind = integrity_kind(error)
        if kind is DuplicateName:
            raise DuplicateName(f"an agent named {name!r} already exists") from None
        if kind is MissingRecord:
            raise MissingRecord(f"no agent with id {agent_id} exists") from None
        raise kind(one_line(error.orig)) from None


def create_agent(
    session: Session,
    name: str,
    role: str,
    *,
    status: str = "idle",
    capabilities: Iterable[str] = (),
    priority: int = 0,
) -> Agent:
    """Add an agent; ``DuplicateName`` if the name is taken."""
    agent = Agent(
        name=name, role=role, status=status, capabilities=list(capabilities), priority=priority
    )
    session.add(agent)
    _flush(session, name=name)
    return agent


def find_agent(session: Session, name: str) -> Agent | None:
    """The agent called ``name``, or ``None``."""
    return session.scalars(select(Agent).where(Agent.name == name)).one_or_none()


def get_agent(session: Session, name: str) -> Agent:
    """The agent called ``name``; ``MissingRecord`` if there is none."""
    agent = find_agent(session, name)
    if agent is None:
        raise MissingRecord(f"no agent named {name!r} exists")
    return agent


def list_agents(session: Session) -> list[Agent]:
    """Every agent, by name."""
    return list(session.scalars(select(Agent).order_by(Agent.name)))


def update_agent(session: Session, name: str, **changes: Any) -> Agent:
    """Change an agent's role, status, capabilities, priority or last_seen_at."""
    unknown = set(changes) - AGENT_FIELDS
    if unknown:
        raise TypeError(f"agents have no field {sorted(unknown)[0]!r} to update")
    agent = get_agent(session, name)
    for field, value in changes.items():
        setattr(agent, field, list(value) if field == "capabilities" else value)
    _flush(session, name=name)
    return agent


def rename_agent(session: Session, name: str, new_name: str) -> Agent:
    """Give an agent a new name; ``DuplicateName`` if that name is taken."""
    agent = get_agent(session, name)
    agent.name = new_name
    _flush(session, name=new_name)
    return agent


def delete_agent(session: Session, name: str) -> None:
    """Remove an agent and, through the database's cascade, all its executions."""
    session.delete(get_agent(session, name))
    session.flush()


def record_execution(
    session: Session,
    agent_id: int,
    task: str,
    *,
    status: str = "pending",
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    duration_seconds: float | None = None,
    output: dict[str, Any] | None = None,
    error: str | None = None,
) -> Execution:
    """Record one run of ``task`` by the agent ``agent_id``; ``MissingRecord`` if it is gone."""
    execution = Execution(
        agent_id=agent_id,
        task=task,
        status=status,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=duration_seconds,
        output=output,
        error=error,
    )
    session.add(execution)
    _flush(session, agent_id=agent_id)
    return execution


EXECUTION_ENDINGS = {"succeeded", "failed"}


def get_execution(session: Session, execution_id: int) -> Execution:
    """The execution ``execution_id``; ``MissingRecord`` if there is none."""
    execution = session.get(Execution, execution_id)
    if execution is None:
        raise MissingRecord(f"no execution with id {execution_id} exists")
    return execution


def finish_execution(
    session: Session,
    execution_id: int,
    status: str,
    *,
    duration_seconds: float | None = None,
    finished_at: datetime | None = None,
    output: dict[str, Any] | None = None,
    error: str | None = None,
) -> Execution:
    """Record how a running execution ended: ``status`` (succeeded or failed), when, and
    with what output or error. ``finished_at`` defaults to now."""
    if status not in EXECUTION_ENDINGS:
        raise ValueError(f"an execution ends as one of {sorted(EXECUTION_ENDINGS)}, not {status!r}")
    execution = get_execution(session, execution_id)
    execution.status = status
    execution.finished_at = finished_at or datetime.now(UTC)
    execution.duration_seconds = duration_seconds
    execution.output = output
    execution.error = error
    _flush(session, agent_id=execution.agent_id)
    return execution


def delete_execution(session: Session, execution_id: int) -> None:
    """Remove one execution; its agent and the agent's other executions stay."""
    session.delete(get_execution(session, execution_id))
    session.flush()


def executions_of(session: Session, name: str) -> list[Execution]:
    """An agent's executions, oldest first."""
    agent = get_agent(session, name)
    query = select(Execution).where(Execution.agent_id == agent.id).order_by(Execution.id)
    return list(session.scalars(query))


def list_executions(session: Session) -> list[Execution]:
    """Every execution, in the order they were recorded."""
    return list(session.scalars(select(Execution).order_by(Execution.id)))


def count_agents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Agent)) or 0


def count_executions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Execution)) or 0


def record_executions(session: Session, agent_id: int, runs: Iterable[dict[str, Any]]) -> int:
    """Add many executions of one agent in one statement (for seeding and imports); how many.

    ``MissingRecord`` if the agent does not exist. On PostgreSQL through psycopg the rows
    stream in with ``COPY`` as ``runs`` yields them (several times the rows per second of a
    multi-row insert, and the server works while the caller makes the next rows); elsewhere
    they go in with one executemany. Either way they join the caller's transaction.
    """
    rows = ({"agent_id": agent_id, **run} for run in runs)
    first = next(rows, None)
    if first is None:
        return 0
    connection = session.connection()
    try:
        if connection.dialect.driver == "psycopg":
            return _copy_executions(connection.connection.driver_connection, first, rows)
        everything = [first, *rows]
        connection.execute(insert(Execution), everything)
        return len(everything)
    except exc.IntegrityError as error:
        raise _refused(error, agent_id) from None
    except psycopg.errors.IntegrityError as error:
        raise _refused(exc.IntegrityError("COPY executions", None, error), agent_id) from None


def _refused(error: exc.IntegrityError, agent_id: int) -> RecordError:
    kind = integrity_kind(error)
    if kind is MissingRecord:
        return MissingRecord(f"no agent with id {agent_id} exists")
    return kind(one_line(error.orig))


def _copy_executions(driver: Any, first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> int:
    """``COPY`` ``first`` and ``rest`` into executions in binary form; how many.

    A column the rows leave out takes its default; JSON columns get the text the ORM writes
    (``None`` is ``null``); a naive timestamp means the session's time zone, as in SQL.
    """
    table = Execution.__table__
    given = list(first)
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in given and column.default is not None and column.default.is_scalar
    }
    names = given + list(defaults)
    kinds = [_copy_kind(table.columns[name].type) for name in names]
    zone = driver.info.timezone
    convert: dict[str, Callable[[Any], Any]] = {
        "text:json": json.dumps,
        "timestamptz": lambda v: v if v is None or v.tzinfo else v.replace(tzinfo=zone),
    }
    steps = [(i, convert[kind]) for i, kind in enumerate(kinds) if kind in convert]
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(Execution.__tablename__), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    fill = list(defaults.values())
    count = 0
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([kind.partition(":")[0] for kind in kinds])
        for row in itertools.chain((first,), rest):
            values = [row[name] for name in given] + fill
            for i, step in steps:
                values[i] = step(values[i])
            copy.write_row(values)
            count += 1
    return count


def _copy_kind(column_type: TypeEngine[Any]) -> str:
    """The PostgreSQL type a binary COPY sends for a column of ``column_type`` (JSON goes as
    its text, which the server reads as JSON)."""
    if isinstance(column_type, JSON):
        return "text:json"
    if isinstance(column_type, DateTime):
        return "timestamptz" if column_type.timezone else "timestamp"
    if isinstance(column_type, Float):
        return "float8"
    if isinstance(column_type, BigInteger):
        return "int8"
    if isinstance(column_type, Integer):
        return "int4"
    if isinstance(column_type, String):
        return "text"
    raise TypeError(f"no binary COPY form for a {column_type!r} column")
