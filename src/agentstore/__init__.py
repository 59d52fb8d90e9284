"""agentstore: the persistence layer of an AI-agent platform.

Everything public is re-exported here; modules not named in ``__all__`` are internal.
"""

from agentstore import backup, errors
from agentstore.asyncio.protocol import AsyncMemoryStore
from agentstore.coordination import (
    BatchReport,
    Events,
    FleetAgent,
    FleetCommander,
    Job,
    Lease,
    Leases,
    Queue,
    Task,
    open_events,
    open_leases,
    open_queue,
)
from agentstore.coordination.protocol import Subscription
from agentstore.db import Database
from agentstore.db.engine import PoolSettings, SqliteSettings
from agentstore.doctor import BackendReport
from agentstore.memory import MemoryStats, MemoryStore, open_memory
from agentstore.urls import BackendURL
from agentstore.urls import parse as parse_url
from agentstore.values import JSON

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "AsyncMemoryStore",
    "BackendReport",
    "BackendURL",
    "BatchReport",
    "Database",
    "Events",
    "FleetAgent",
    "FleetCommander",
    "Job",
    "Lease",
    "Leases",
    "MemoryStats",
    "MemoryStore",
    "PoolSettings",
    "Queue",
    "SqliteSettings",
    "Subscription",
    "Task",
    "__version__",
    "backup",
    "errors",
    "open_events",
    "open_leases",
    "open_memory",
    "open_queue",
    "parse_url",
]
