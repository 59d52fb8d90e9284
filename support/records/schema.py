"""The schema every scenario starts from: the harness asks, agentstore's migrations answer."""

from __future__ import annotations

from agentstore import Database


def pytest_agentstore_prepare_template(url: str) -> bool:
    """A template database is migrated to the newest schema before scenarios clone it."""
    database = Database(url)
    try:
        database.upgrade("head")
    finally:
        database.dispose()
    return True
