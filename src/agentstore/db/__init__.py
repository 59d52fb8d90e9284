"""The relational side: declarative models, engines and the ``Database`` facade."""

from agentstore.db.base import Base
from agentstore.db.database import Database
from agentstore.db.memory_entries import MemoryEntry
from agentstore.db.models import Agent, Execution

__all__ = ["Agent", "Base", "Database", "Execution", "MemoryEntry"]
