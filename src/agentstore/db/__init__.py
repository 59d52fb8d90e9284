"""The relational side: declarative models, engines and the ``Database`` facade."""

from agentstore.db.base import Base
from agentstore.db.coordination_tables import CoordinationJob, CoordinationLease
from agentstore.db.database import Database
from agentstore.db.memory_entries import MemoryEntry
from agentstore.db.models import Agent, Execution

__all__ = [
    "Agent",
    "Base",
    "CoordinationJob",
    "CoordinationLease",
    "Database",
    "Execution",
    "MemoryEntry",
]
