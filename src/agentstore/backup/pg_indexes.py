"""Build indexes and constraints after the rows are in, as pg_restore does: much faster.

Inside the restoring transaction the tables were just created by agentstore's migrations, so
their indexes and constraints are agentstore's own: their definitions are read from the
catalog (``pg_get_constraintdef``, ``pg_get_indexdef``), never from the backup file. They
are dropped before the rows are copied and built again after, before verification; a
failure rolls it all back with the rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

_CONSTRAINTS = """SELECT c.conname, t.relname, pg_get_constraintdef(c.oid), c.contype
  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f') AND t.relname = ANY(%s)
  ORDER BY c.contype = 'f', c.conname"""
_INDEXES = """SELECT i.relname, pg_get_indexdef(i.oid)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = 'public' AND t.relname = ANY(%s)
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
  ORDER BY 1"""


@contextmanager
def built_after(driver: psycopg.Connection[Any], tables: list[str]) -> Iterator[None]:
    """Drop the indexes and constraints of ``tables``; build them again on the way out."""
    constraints = driver.execute(_CONSTRAINTS, (tables,)).fetchall()
    indexes = driver.execute(_INDEXES, (tables,)).fetchall()
    for name, table, _, _ in reversed(constraints):  # foreign keys first
        driver.execute(
            sql.SQL("ALTER TABLE public.{} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    for name, _ in indexes:
        driver.execute(sql.SQL("DROP INDEX public.{}").format(sql.Identifier(name)))
    yield
    for _, definition in indexes:
        driver.execute(sql.SQL(definition))  # from the catalog, not the file
    for name, table, definition, _ in constraints:  # keys first, then foreign keys
        driver.execute(
            sql.SQL("ALTER TABLE public.{} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table),
                sql.Identifier(name),
                sql.SQL(definition),  # from the catalog, not the file
            )
        )
