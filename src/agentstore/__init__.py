"""agentstore: the persistence layer of an AI-agent platform.

Everything public is re-exported here; modules not named in ``__all__`` are internal.
"""

from agentstore import errors
from agentstore.db import Database
from agentstore.doctor import BackendReport

__version__ = "0.1.0"

__all__ = [
    "BackendReport",
    "Database",
    "__version__",
    "errors",
]
