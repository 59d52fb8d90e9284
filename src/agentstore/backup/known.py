"""agentstore's own schema at each revision: what a backup may carry, nothing else.

Found by running the packaged migrations into a scratch in-memory SQLite database (the history
is the same on every backend), once per revision and process. For SQLite files the whole shape is
compared: every table, index, trigger and view by name, and every column's name, declared
type, NOT NULL and key position (the text of the ``CREATE`` statements is not compared: it
varies with the library that wrote it).
"""

from __future__ import annotations

import sqlite3
from functools import cache

from sqlalchemy import inspect

from agentstore.db.engine import make_engine
from agentstore.errors import BackupCorrupt
from agentstore.migrations import runner

BOOKKEEPING = "alembic_version"


Shape = frozenset[tuple[str, ...]]


def tables_at(revision: str) -> frozenset[str]:
    """The tables (the revision bookmark included) the migrations create up to ``revision``."""
    return _at(revision)[0]


def sqlite_shape_at(revision: str) -> Shape:
    """The shape (see :func:`sqlite_shape`) of a SQLite database at ``revision``."""
    return _at(revision)[1]


@cache
def _at(revision: str) -> tuple[frozenset[str], Shape]:
    runner.check_target(revision)
    # An in-memory database (SQLAlchemy keeps one connection per thread for it): nothing on
    # disk, so a process killed here leaves no scratch folder behind.
    engine = make_engine("sqlite://")
    try:
        runner.upgrade(engine, revision)
        names = inspect(engine).get_table_names()
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            shape = sqlite_shape(driver)
        finally:
            raw.close()
    finally:
        engine.dispose()
    return frozenset(names), shape


def sqlite_shape(connection: sqlite3.Connection) -> Shape:
    """Every schema object by kind and name, and every column of every table."""
    items: set[tuple[str, ...]] = set()
    objects = connection.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
    for kind, name, table in objects:
        items.add((str(kind), str(name), str(table)))
        if kind == "table":
            for column in connection.execute("SELECT * FROM pragma_table_info(?)", (name,)):
                _, column_name, declared, not_null, _, key = column
                items.add(("column", str(name), str(column_name), str(declared).upper(),
                           str(not_null), str(key)))  # fmt: skip
    return frozenset(items)


def check_tables(found: set[str], revision: object, where: str) -> str:
    """The revision, once the manifest lists exactly agentstore's tables at it;
    ``BackupCorrupt`` otherwise (a foreign table, a missing one, no revision)."""
    if not isinstance(revision, str):
        raise BackupCorrupt(f"{where} names no schema revision: not an agentstore backup")
    check_listed(found, tables_at(revision), where)
    return revision


def check_listed(found: set[str], expected: frozenset[str], where: str) -> None:
    """``BackupCorrupt`` unless ``found`` (a manifest's tables) is exactly ``expected``."""
    extra, missing = sorted(found - expected), sorted(expected - found)
    if extra:
        raise BackupCorrupt(
            f"{where} lists a table {extra[0][:80]!r} that agentstore does not have at its "
            "revision: the file was refused"
        )
    if missing:
        raise BackupCorrupt(f"{where} lists no table {missing[0]}: not a complete backup")
