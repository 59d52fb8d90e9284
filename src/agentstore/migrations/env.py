"""Alembic environment: migrate the engine agentstore hands over, in batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from agentstore.db import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("agentstore migrations run online only")
run_migrations_online()
