"""A store's whole state, to prove a restore brought everything back or left a target unchanged.

Rows, schema, revision, indexes and constraints (through ``support.underneath.sql``, the module
that looks under the API), plus the live memory entries with their values, read through the
public memory API. The id sequences' positions are the fingerprint's (``fingerprints.py``).
"""

from __future__ import annotations

from typing import Any

from agentstore import Database, open_memory
from agentstore.backup import memory_io
from support.underneath import sql as inspect_db


def records(url: str) -> dict[str, Any]:
    """Rows of every agent and execution, the schema, its structure and the revision."""
    with Database(url) as database, inspect_db.looking(database) as look:
        if not look.tables():
            return {"tables": set()}
        return {
            "rows": look.rows(),
            "schema": look.portable_schema(),
            "structure": look.structure(),
            "revision": look.revision(),
        }


def memory(url: str, namespace: str, prefix: str) -> dict[str, Any]:
    """Every live memory entry: key -> (partition, value)."""
    with open_memory(url, namespace, prefix) as store:
        return {key: (part, value) for key, part, value, _ in memory_io.entries(store)}


def memory_ttls(url: str, namespace: str, prefix: str) -> dict[str, float | None]:
    """Every live memory entry's remaining time-to-live, in seconds."""
    with open_memory(url, namespace, prefix) as store:
        return {key: store.ttl(key) for key in store.list_keys()}
