"""A target's whole fingerprint, to prove an import left it exactly as it was or as the
archive holds: every table's rows, the schema and revision, the id sequences' positions and
the memory entries (values and partitions, their time left rounded to the minute)."""

from __future__ import annotations

from typing import Any

import psycopg

from agentstore.urls import backend_of, libpq_url
from support.backup import state as backup_state


def sequences(url: str) -> dict[str, tuple[int, bool]]:
    """Every sequence's position on PostgreSQL: (last value, whether it was handed out)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"
            )
        ]
        found = {}
        for name in names:
            # The names come from the server's own catalog, quoted by it.
            row = connection.execute(f"SELECT last_value, is_called FROM {name}").fetchone()
            assert row is not None
            found[name] = (int(row[0]), bool(row[1]))
        return found


def fingerprint(url: str, prefix: str = "", namespace: str = "aqe") -> dict[str, Any]:
    """Everything an import could change on the target at ``url``."""
    backend = backend_of(url)
    print_: dict[str, Any] = {}
    if backend in ("postgres", "sqlite"):
        print_["records"] = backup_state.records(url)
        if "memory_entries" in print_["records"].get("structure", {}):
            print_["memory"] = backup_state.memory(url, namespace, prefix)
    else:
        print_["memory"] = backup_state.memory(url, namespace, prefix)
    if backend == "postgres":
        print_["sequences"] = sequences(url)
    return print_
