"""agentstore: the persistence layer of an AI-agent platform.

Everything public is re-exported here; modules not named in ``__all__`` are internal.
"""

from agentstore import backup, errors
from agentstore.coordination import (
    FleetCommander,
    Job,
    Lease,
    Task,
    open_events,
    open_leases,
    open_queue,
)
from agentstore.db import Database
from agentstore.db.engine import PoolSettings, SqliteSettings
from agentstore.doctor import BackendReport
from agentstore.memory import MemoryStats, MemoryStore, open_memory

__version__ = "0.1.0"

__all__ = [
    "BackendReport",
    "Database",
    "FleetCommander",
    "Job",
    "Lease",
    "MemoryStats",
    "MemoryStore",
    "PoolSettings",
    "SqliteSettings",
    "Task",
    "__version__",
    "backup",
    "errors",
    "open_events",
    "open_leases",
    "open_memory",
    "open_queue",
]
