"""agentstore's own tables at each schema revision: what a backup may carry, nothing else.

Found by running the packaged migrations into a scratch SQLite file (the history is the same
on every backend), once per revision and process.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy import inspect

from agentstore.db.engine import make_engine
from agentstore.migrations import runner

BOOKKEEPING = "alembic_version"


@cache
def tables_at(revision: str) -> frozenset[str]:
    """The tables (the revision bookmark included) the migrations create up to ``revision``."""
    runner.check_target(revision)
    with tempfile.TemporaryDirectory(prefix="agentstore-schema-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'schema.sqlite'}")
        try:
            runner.upgrade(engine, revision)
            names = inspect(engine).get_table_names()
        finally:
            engine.dispose()
    return frozenset(names)
