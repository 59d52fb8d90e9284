"""The relational tables a backup carries, read in a fixed order, and whether a target is empty.

Tables are reflected from the database itself (not today's models), so a database at any
known revision exports what it really holds. The revision bookmark travels in the manifest,
and memory travels as entries through the memory API, so neither is a table here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text

from agentstore.backup import canonical
from agentstore.backup.manifest import TableSummary

NOT_TABLES = {"alembic_version", "memory_entries"}
BOOKKEEPING = {"alembic_version"}


def reflect(connection: Connection) -> list[Table]:
    """The data tables, parents before children."""
    names = set(inspect(connection).get_table_names()) - NOT_TABLES
    meta = MetaData()
    meta.reflect(connection, only=sorted(names))
    return list(meta.sorted_tables)


def ordered_rows(
    connection: Connection, table: Table, names: list[str] | None = None
) -> Iterator[Any]:
    """Every row of ``table`` by primary key (columns ``names``, default all), streamed."""
    order = list(table.primary_key.columns) or list(table.columns)
    chosen = [table.c[name] for name in names] if names else list(table.columns)
    query = select(*chosen).order_by(*order)
    yield from connection.execution_options(yield_per=2000).execute(query)


def summarize(
    connection: Connection, table: Table, columns: list[list[str]] | None = None
) -> TableSummary:
    """Count and checksum a table as canonical lines (what the portable archive stores).

    ``columns`` (``[[name, kind], ...]``) fixes their order and kinds, as an archive saw them.
    """
    columns = columns or canonical.columns_of(table)
    kinds = [kind for _, kind in columns]
    checksum = canonical.Checksum()
    for row in ordered_rows(connection, table, [name for name, _ in columns]):
        checksum.add(canonical.line(row, kinds))
    return TableSummary(checksum.rows, checksum.hexdigest(), columns)


def revision(connection: Connection) -> str | None:
    """The schema revision the database is at, or ``None`` when never migrated."""
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def first_with_rows(connection: Connection, skip: set[str] = BOOKKEEPING) -> str | None:
    """The first table (those in ``skip`` aside) that holds a row, or ``None`` when empty."""
    names = sorted(set(inspect(connection).get_table_names()) - skip)
    meta = MetaData()
    meta.reflect(connection, only=names)
    for name in names:
        count = connection.execute(select(func.count()).select_from(meta.tables[name])).scalar()
        if count:
            return name
    return None
