"""The SQL both SQL backends run, built once with SQLAlchemy Core from the mapped table.

Every statement touches one store's rows only (``prefix`` column = the store's row scope)
and counts a row as present only while it is live: expiry is judged in the statement
itself by the database's clock, so an expired row is never returned, listed, counted or
matched, whether or not ``cleanup_expired`` has removed it yet. Each backend supplies the
few expressions that differ (:class:`SqlDialect`); everything else is shared here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol
from typing import cast as cast_type

from sqlalchemy import (
    ColumnElement,
    Double,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.sql import ClauseElement

from agentstore.db.memory_entries import MemoryEntry
from agentstore.memory.patterns import LIKE_ESCAPE

TABLE = cast_type(Table, MemoryEntry.__table__)
C = TABLE.c


class SqlDialect(Protocol):
    """What differs between PostgreSQL and SQLite; see ``sql_postgres`` / ``sql_sqlite``."""

    name: str

    @property
    def key(self) -> Hashable:
        """What the compiled SQL depends on: dialects with equal keys compile alike."""

    def now(self) -> ColumnElement[float]:
        """The database clock as epoch seconds (sub-second precision)."""

    def insert(self, table: Any) -> Any:
        """The dialect's INSERT construct, with ``on_conflict_do_update``."""

    def is_integer_text(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        """True when the JSON text holds an integer an increment can add to."""

    def add_integer(self, column: ColumnElement[str], by: Any) -> ColumnElement[str]:
        """The JSON text of the integer in ``column`` plus ``by``."""

    def sum_fits(self, column: ColumnElement[str], by: Any) -> ColumnElement[bool]:
        """True when the integer in ``column`` plus ``by`` stays a 64-bit integer."""

    def key_in(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        """``column`` is one of the keys bound (as :meth:`keys_param`) under ``name``."""

    def keys_param(self, keys: list[str]) -> Any:
        """The bound value for :meth:`key_in`."""

    def compile(self, statement: ClauseElement) -> Sql:
        """The statement's SQL text and how to turn a parameter dict into the driver's."""


def _p(name: str, **kw: Any) -> Any:
    # Parameter names carry a ``p_`` so they never shadow the columns they fill.
    return bindparam(f"p_{name}", **kw)


@dataclass(frozen=True)
class Sql:
    """One compiled statement: its text, and ``args`` turning a parameter dict into what the
    driver binds fastest (the dict itself for psycopg, a tuple in order for sqlite3)."""

    text: str
    args: Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Statements:
    """Every memory operation, compiled for one dialect."""

    get: Sql
    get_many: Sql
    exists: Sql
    ttl_left: Sql
    upsert: Sql
    delete: Sql
    search: Sql
    list_keys: Sql
    list_partition_keys: Sql
    clear_partition: Sql
    stats: Sql
    increment: Sql
    cas_update: Sql
    cas_insert: Sql
    cleanup: Sql


_BUILT: dict[Hashable, Statements] = {}
"""Statements already compiled, by dialect key: they hold no store's values (each store binds
its own prefix and namespace), so every store of a dialect shares them."""


def build(dialect: SqlDialect) -> Statements:
    """Every statement for ``dialect``, compiled once per process: opening a store compiled
    all of them again, 7 % of the CPU the specification's own process spent."""
    key = dialect.key
    built = _BUILT.get(key)
    if built is None:  # two threads may both compile: the same values, the last one kept
        built = _BUILT[key] = _build(dialect)
    return built


def _build(dialect: SqlDialect) -> Statements:
    now = dialect.now()
    live = or_(C.expires_at.is_(None), C.expires_at > now)
    mine = and_(C.prefix == _p("prefix"), C.key == _p("key"))
    # A store only ever sees its own namespace's keys within its row scope.
    scope = and_(C.prefix == _p("prefix"), C.key.like(_p("namespace"), escape=LIKE_ESCAPE))
    matching = C.key.like(_p("pattern"), escape=LIKE_ESCAPE)
    expires = now + cast(_p("ttl", type_=Double), Double)
    one: ColumnElement[Any] = literal_column("1")
    zero: ColumnElement[Any] = literal_column("0")

    insert = dialect.insert(TABLE)
    upsert = insert.values(
        prefix=_p("prefix"),
        key=_p("key"),
        partition=_p("partition"),
        value=_p("value"),
        size_bytes=_p("size"),
        expires_at=expires,
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[C.prefix, C.key],
        set_={
            "partition": upsert.excluded.partition,
            "value": upsert.excluded.value,
            "size_bytes": upsert.excluded.size_bytes,
            "expires_at": upsert.excluded.expires_at,
            "updated_at": func.now(),
        },
    )

    counter = insert.values(
        prefix=_p("prefix"),
        key=_p("key"),
        partition=literal_column("'default'"),
        value=_p("start"),
        size_bytes=_p("size"),
        expires_at=null(),
    )
    added = dialect.add_integer(C.value, _p("by"))
    counter = counter.on_conflict_do_update(
        index_elements=[C.prefix, C.key],
        set_={
            # An expired counter starts again from zero, in the default partition, with no TTL.
            "value": case((live, added), else_=counter.excluded.value),
            "size_bytes": case((live, func.length(added)), else_=counter.excluded.size_bytes),
            "partition": case((live, C.partition), else_=counter.excluded.partition),
            "expires_at": case((live, C.expires_at), else_=null()),
            "updated_at": func.now(),
        },
        # A refused update returns no row: the caller says why (not an integer, or overflow).
        where=or_(
            not_(live),
            and_(dialect.is_integer_text(C.value), dialect.sum_fits(C.value, _p("by"))),
        ),
    ).returning(C.value)

    cas_insert = insert.values(
        prefix=_p("prefix"),
        key=_p("key"),
        partition=literal_column("'default'"),
        value=_p("value"),
        size_bytes=_p("size"),
        expires_at=expires,
    )
    cas_insert = cas_insert.on_conflict_do_update(
        index_elements=[C.prefix, C.key],
        set_={
            "partition": case((live, C.partition), else_=cas_insert.excluded.partition),
            "value": cas_insert.excluded.value,
            "size_bytes": cas_insert.excluded.size_bytes,
            "expires_at": cas_insert.excluded.expires_at,
            "updated_at": func.now(),
        },
        # Expecting "nothing" matches an absent or expired key, or one holding null.
        where=or_(not_(live), C.value == literal_column("'null'")),
    ).returning(C.key)

    statements = {
        "get": select(C.value).where(mine, live),
        "get_many": select(C.key, C.value).where(
            C.prefix == _p("prefix"), dialect.key_in(C.key, "p_keys"), live
        ),
        "exists": select(one).where(mine, live),
        "ttl_left": select(C.expires_at - now).where(mine, live),
        "upsert": upsert,
        # Deletes return (expires_at, now) and the caller counts the live ones: SQLite 3.40
        # evaluates expressions in a DELETE's RETURNING wrongly on indexed columns.
        "delete": delete(TABLE).where(mine).returning(C.expires_at, now),
        "search": select(C.key, C.value).where(scope, matching, live),
        "list_keys": select(C.key).where(scope, matching, live),
        "list_partition_keys": select(C.key).where(
            scope, matching, C.partition == _p("partition"), live
        ),
        "clear_partition": delete(TABLE)
        .where(scope, C.partition == _p("partition"))
        .returning(C.expires_at, now),
        "stats": select(C.partition, func.count(), func.coalesce(func.sum(C.size_bytes), zero))
        .where(scope, live)
        .group_by(C.partition),
        "increment": counter,
        "cas_update": update(TABLE)
        .where(mine, live, C.value == _p("expected"))
        .values(
            value=_p("value"),
            size_bytes=_p("size"),
            expires_at=expires,
            updated_at=func.now(),
        )
        .returning(C.key),
        "cas_insert": cas_insert,
        "cleanup": delete(TABLE).where(scope, C.expires_at <= now),
    }
    return Statements(**{name: _compile(dialect, stmt) for name, stmt in statements.items()})


def _compile(dialect: SqlDialect, statement: ClauseElement) -> Sql:
    sql = dialect.compile(statement)
    # Statements run on the raw driver with our own parameter dicts: no hidden binds allowed.
    hidden = [n for n in statement.compile().params if not n.startswith("p_")]
    assert not hidden, f"statement has implicit parameters {hidden}: {sql}"
    return sql
