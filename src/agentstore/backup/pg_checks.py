"""PostgreSQL's own row counts and checksums, the same SQL at backup time and in the restore.

A table's checksum is the sum of its rows' 64-bit md5 prefixes (a multiset hash: row order
does not matter, and the server needs no sort), computed in one pass; the session's time
zone, date style and float digits are fixed first, so the same rows always give the same
text. At backup time it runs in the snapshot ``pg_dump`` uses; at restore time inside the
restoring transaction (a ``DO`` block that raises on any difference, so the transaction
never commits a restore that differs from its backup).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from agentstore.backup.manifest import TableSummary

SETTINGS = (
    "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; "
    "SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1;"
)
VERIFY_MARK = "agentstore-verify"
# Sequences are not transactional: pg_dump saves where each stood when it read it, which during
# concurrent writes may be past the snapshot's rows. What must hold: each is ahead of its column.
SEQUENCES_AHEAD = """  FOR r IN SELECT s.relname AS seq, t.relname AS tab, a.attname AS col
      FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
      JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND n.nspname = 'public' LOOP
    EXECUTE format('SELECT (SELECT last_value FROM public.%I)'
      ' >= coalesce((SELECT max(%I) FROM public.%I), 0)', r.seq, r.col, r.tab) INTO ok;
    IF NOT ok THEN
      RAISE EXCEPTION '{mark}: sequence % is behind the ids of table %', r.seq, r.tab;
    END IF;
  END LOOP;
"""
NOT_EMPTY_MARK = "agentstore-not-empty"


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


def public_sequences(connection: psycopg.Connection[Any]) -> list[str]:
    rows = connection.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    )
    return [name for (name,) in rows]


def summarize(
    connection: psycopg.Connection[Any],
) -> tuple[dict[str, TableSummary], dict[str, Any]]:
    """Counts and checksums of every table, and every sequence's position, in this snapshot."""
    connection.execute(SETTINGS)
    tables = {}
    for name in public_tables(connection):
        rows, checksum = one_row(connection, _checksum_query(name))
        tables[name] = TableSummary(rows, f"pg-sum64:{checksum}")
    sequences = {}
    for name in public_sequences(connection):
        query = sql.SQL("SELECT last_value, is_called FROM public.{}").format(sql.Identifier(name))
        sequences[name] = list(one_row(connection, query))
    return tables, sequences


def one_row(connection: psycopg.Connection[Any], query: sql.SQL | sql.Composed) -> tuple[Any, ...]:
    """The one row a query gives (an aggregate, a sequence, an EXISTS)."""
    row: tuple[Any, ...] | None = connection.execute(query).fetchone()
    assert row is not None  # an aggregate or a sequence always gives one row
    return row


def verify_block(tables: dict[str, TableSummary], sequences: dict[str, Any]) -> str:
    """A ``DO`` block that raises, naming the table, unless the data equal the manifest's."""
    checks: list[sql.Composable] = []
    for name, summary in sorted(tables.items()):
        checks.append(
            sql.SQL(
                "  SELECT c, s INTO v_rows, v_sum FROM ({q}) AS x(c, s);\n"
                "  IF v_rows <> {rows} OR 'pg-sum64:' || v_sum <> {checksum} THEN\n"
                "    RAISE EXCEPTION '{mark}: table {label} came back with % rows"
                " (the backup holds {rows}) or different contents', v_rows;\n"
                "  END IF;\n"
            ).format(
                q=_checksum_query(name),
                rows=sql.Literal(summary.rows),
                checksum=sql.Literal(summary.checksum),
                mark=sql.SQL(VERIFY_MARK),
                label=sql.SQL(name.replace("'", "")),
            )
        )
    if sequences:
        checks.append(sql.SQL(SEQUENCES_AHEAD.replace("{mark}", VERIFY_MARK)))
    body = sql.SQL("").join(checks)
    block = (
        "{settings}\nDO $verify$\n"
        "DECLARE v_rows bigint; v_sum text; r record; ok boolean;\n"
        "BEGIN\n{body}END\n$verify$;\n"
    )
    return sql.SQL(block).format(settings=sql.SQL(SETTINGS), body=body).as_string(None)


def empty_guard() -> str:
    """A ``DO`` block that raises when any table (revision bookmark aside) holds a row."""
    return (
        "DO $guard$\nDECLARE t text; found boolean;\nBEGIN\n"
        "  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'alembic_version' LOOP\n"
        "    EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I)', t) INTO found;\n"
        f"    IF found THEN RAISE EXCEPTION '{NOT_EMPTY_MARK}: %', t; END IF;\n"
        "  END LOOP;\nEND\n$guard$;\n"
    )
