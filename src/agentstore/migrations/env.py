"""Alembic environment: migrate the engine agentstore hands over, in batch mode on SQLite.

The engine arrives as ``config.attributes["engine"]`` (from ``agentstore.migrations.runner``)
or, under pytest-alembic, as ``config.attributes["connection"]`` (an engine, or an open
connection wrapped to look like one).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from agentstore.db import Base

target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _pragma(connection: Connection, statement: str) -> None:
    """Run a pragma on the driver connection, outside any transaction SQLAlchemy would begin."""
    driver = connection.connection.driver_connection
    assert driver is not None, "a live connection has a driver connection"
    driver.execute(statement)


def run_migrations_online() -> None:
    attributes = context.config.attributes
    connectable = attributes.get("connection") or attributes["engine"]
    if isinstance(connectable, Connection):
        _configure_and_run(connectable)
        return
    owned = isinstance(connectable, Engine)
    with connectable.connect() as connection:
        sqlite = owned and connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it (batch mode); with foreign keys on, dropping
            # the old copy of a parent table would cascade-delete its children's rows. The
            # pragma only takes effect outside a transaction, hence before Alembic begins one.
            _pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            _configure_and_run(connection)
            if owned:
                connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _pragma(connection, "PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("agentstore migrations run online only")
run_migrations_online()
