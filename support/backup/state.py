"""A store's whole state, to prove a restore brought everything back or left a target unchanged.

Rows, schema, revision, indexes, constraints and the next id each table would hand out
(through ``support.underneath.sql``, the module that looks under the API), plus the live memory
entries with their values, read through the public memory API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect

from agentstore import Database, open_memory
from agentstore.backup import memory_io
from agentstore.urls import sqlalchemy_url
from support.underneath import sql as inspect_db


def structure(url: str) -> dict[str, Any]:
    """Every table's indexes, unique and foreign-key constraints, by name."""
    # One pooled connection for all of it: a new one per reflection query (NullPool) made a
    # fingerprint take ~0.6 s on PostgreSQL, once after every kill of the kill loops.
    engine = create_engine(sqlalchemy_url(url), pool_size=1)
    try:
        found = inspect(engine)
        return {
            table: {
                "indexes": sorted(i["name"] for i in found.get_indexes(table)),
                "unique": sorted(str(u["name"]) for u in found.get_unique_constraints(table)),
                "foreign": sorted(str(f["name"]) for f in found.get_foreign_keys(table)),
                "primary": found.get_pk_constraint(table)["constrained_columns"],
            }
            for table in sorted(found.get_table_names())
        }
    finally:
        engine.dispose()


def records(url: str) -> dict[str, Any]:
    """Rows of every agent and execution, the schema, its structure and the revision."""
    with Database(url) as database:
        if not inspect_db.tables(database):
            return {"tables": set()}
        return {
            "rows": inspect_db.rows(database),
            "schema": inspect_db.portable_schema(database),
            "structure": structure(url),
            "revision": database.current_revision(),
        }


def memory(url: str, namespace: str, prefix: str) -> dict[str, Any]:
    """Every live memory entry: key -> (partition, value)."""
    with open_memory(url, namespace, prefix) as store:
        return {key: (part, value) for key, part, value, _ in memory_io.entries(store)}


def memory_ttls(url: str, namespace: str, prefix: str) -> dict[str, float | None]:
    """Every live memory entry's remaining time-to-live, in seconds."""
    with open_memory(url, namespace, prefix) as store:
        return {key: store.ttl(key) for key in store.list_keys()}
