"""Every public name of ``agentstore`` is accounted for in ``agentstore.asyncio``: it has an
asyncio twin (the same name, or ``Async`` + the name), or it is a value both APIs share, or it
is sync only for a reason written here. A name added to ``agentstore`` and to none of these
fails this test, so the asyncio API cannot fall behind unnoticed (test_api_parity.py then
checks each twin's arguments)."""

from __future__ import annotations

import agentstore
import agentstore.asyncio as aio

#: Values and modules an asyncio program imports from ``agentstore`` itself: they do no I/O.
SHARED = {
    "AsyncMemoryStore": "the asyncio protocol, also exported here for type hints",
    "BackendURL": "the parsed URL every opener of both APIs takes",
    "parse_url": "makes a BackendURL",
    "JSON": "the type of every value stored",
    "Job": "what a queue's claim returns, in both APIs",
    "Lease": "what a lease's acquire returns, in both APIs",
    "MemoryStats": "what a memory's stats returns, in both APIs",
    "PoolSettings": "the pool= argument of both APIs' open_memory",
    "SqliteSettings": "part of PoolSettings",
    "errors": "the errors both APIs raise",
    "__version__": "the package's version",
}

#: Sync only, on purpose, and why.
SYNC_ONLY = {
    "Database": "agents and executions go through SQLAlchemy's ORM sessions, which are sync",
    "backup": "export, import, backup and restore: files and pg_dump/pg_restore, as the CLI",
    "BackendReport": "what `agentstore doctor` reports (a CLI check, sync like the CLI)",
    "FleetCommander": "a fleet drives agents through sync queues and the records database",
    "FleetAgent": "see FleetCommander",
    "BatchReport": "see FleetCommander",
    "Task": "see FleetCommander",
}


def test_every_public_name_has_an_asyncio_twin_or_a_reason() -> None:
    twins = set(aio.__all__)
    unaccounted = [
        name
        for name in agentstore.__all__
        if name not in twins
        and f"Async{name}" not in twins
        and name not in SHARED
        and name not in SYNC_ONLY
    ]
    assert unaccounted == []


def test_a_name_listed_here_is_still_public() -> None:
    """The lists name only what ``agentstore`` exports, and nothing twice."""
    public = set(agentstore.__all__)
    assert set(SHARED) - public == set()
    assert set(SYNC_ONLY) - public == set()
    assert set(SHARED) & set(SYNC_ONLY) == set()


def test_what_has_a_twin_is_not_called_sync_only() -> None:
    twins = set(aio.__all__)
    assert [n for n in SYNC_ONLY if n in twins or f"Async{n}" in twins] == []
