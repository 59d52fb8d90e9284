"""PostgreSQL's own row counts and checksums, the same SQL at backup time and in the restore.

A table's checksum is the sum of its rows' 64-bit md5 prefixes (a multiset hash: row order
does not matter, and the server needs no sort), computed in one pass; the session's time
zone, date style and float digits are fixed first, so the same rows always give the same
text. At backup time it runs in the snapshot ``pg_dump`` uses; at restore time inside the
restoring transaction, before it commits. Every identifier goes through ``psycopg.sql``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql

from agentstore.backup.manifest import TableSummary
from agentstore.errors import VerificationFailed

SETTINGS = (
    "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; "
    "SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1;"
)
#: Each sequence of a table in ``public``, with the table and the column it numbers.
OWNED_SEQUENCES = """SELECT s.relname, t.relname, a.attname
  FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
  JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
  WHERE s.relkind = 'S' AND n.nspname = 'public' ORDER BY 1"""


def _checksum_query(table: str) -> sql.Composed:
    return sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint),"
        " 0)::text FROM public.{} AS t"
    ).format(sql.Identifier(table))


def public_tables(connection: psycopg.Connection[Any]) -> list[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return [name for (name,) in rows]


def owned_sequences(
    connection: psycopg.Connection[Any], tables: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """The sequences that number a column of one of ``tables``: name -> (table, column)."""
    chosen = set(tables)
    rows = connection.execute(OWNED_SEQUENCES).fetchall()
    return {seq: (table, column) for seq, table, column in rows if table in chosen}


def checksums(
    connection: psycopg.Connection[Any], tables: Iterable[str]
) -> dict[str, TableSummary]:
    """Count and checksum of each of ``tables``."""
    connection.execute(SETTINGS)
    summaries = {}
    for name in sorted(tables):
        rows, checksum = one_row(connection, _checksum_query(name))
        summaries[name] = TableSummary(rows, f"pg-sum64:{checksum}")
    return summaries


def summarize(
    connection: psycopg.Connection[Any], tables: Iterable[str]
) -> tuple[dict[str, TableSummary], dict[str, Any]]:
    """Counts and checksums of ``tables``, and the position of each of their sequences."""
    names = sorted(tables)
    summaries = checksums(connection, names)
    sequences = {}
    for name in owned_sequences(connection, names):
        query = sql.SQL("SELECT last_value, is_called FROM public.{}").format(sql.Identifier(name))
        sequences[name] = list(one_row(connection, query))
    return summaries, sequences


def one_row(connection: psycopg.Connection[Any], query: sql.SQL | sql.Composed) -> tuple[Any, ...]:
    """The one row a query gives (an aggregate, a sequence, an EXISTS)."""
    row: tuple[Any, ...] | None = connection.execute(query).fetchone()
    assert row is not None  # an aggregate or a sequence always gives one row
    return row


def verify(
    connection: psycopg.Connection[Any], expected: dict[str, TableSummary], where: str
) -> None:
    """``VerificationFailed`` naming the first table whose count or checksum differs."""
    found = checksums(connection, expected)
    for name, summary in sorted(expected.items()):
        got = found[name]
        if (got.rows, got.checksum) != (summary.rows, summary.checksum):
            raise VerificationFailed(
                f"restore into {where} rolled back: table {name} came back with {got.rows} "
                f"rows (the backup holds {summary.rows}) or different contents"
            )


def sequences_ahead(connection: psycopg.Connection[Any], where: str) -> None:
    """``VerificationFailed`` unless every sequence is past the ids of its column."""
    for seq, table, column in connection.execute(OWNED_SEQUENCES).fetchall():
        query = sql.SQL(
            "SELECT (SELECT last_value FROM public.{})"
            " >= coalesce((SELECT max({}) FROM public.{}), 0)"
        ).format(sql.Identifier(seq), sql.Identifier(column), sql.Identifier(table))
        if not one_row(connection, query)[0]:
            raise VerificationFailed(
                f"restore into {where} rolled back: sequence {seq} is behind the ids of {table}"
            )
