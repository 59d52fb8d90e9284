"""The migration history under pytest-alembic's own checks, on PostgreSQL and SQLite.

pytest-alembic's built-in tests are imported (that is how the plugin is meant to be used),
and run once per backend against an empty database of this test's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_alembic.config import Config
from pytest_alembic.runner import MigrationContext
from pytest_alembic.tests import (  # noqa: F401  (collected by pytest)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace  # noqa: F401
from sqlalchemy import Engine, select

from agentstore import Database, errors
from agentstore.migrations import runner
from harness.isolation.places import Isolation


@pytest.fixture(params=["postgres", "sqlite"])
def alembic_engine(request: pytest.FixtureRequest, isolation: Isolation) -> Iterator[Engine]:
    """An empty database of this test's own, on each backend."""
    database = Database(isolation.new(request.param, migrated=False).url)
    yield database.engine
    database.dispose()


@pytest.fixture
def alembic_config() -> Config:
    return Config(alembic_config=runner.config())


def test_history_has_six_or_more_linear_revisions() -> None:
    history = runner.history()
    assert len(history) >= 6
    assert [r.down for r in history] == [None, *(r.id for r in history[:-1])]


def test_duration_migration_converts_and_restores(alembic_runner: MigrationContext) -> None:
    alembic_runner.migrate_up_before("0005")
    alembic_runner.insert_into(
        "agents", {"id": 1, "name": "ada", "role": "planner", "status": "idle", "capabilities": []}
    )
    alembic_runner.insert_into(
        "executions",
        [
            {"id": 1, "agent_id": 1, "task": "a", "status": "succeeded", "duration_ms": 1234},
            {"id": 2, "agent_id": 1, "task": "b", "status": "running", "duration_ms": None},
        ],
    )

    def durations(column: str) -> list[object]:
        table = alembic_runner.table_at_revision("executions")
        query = select(table.c[column]).order_by(table.c.id)
        return alembic_runner.connection_executor.run_task(
            lambda connection: list(connection.execute(query).scalars())
        )

    alembic_runner.migrate_up_one()
    assert durations("duration_seconds") == [pytest.approx(1.234), None]
    alembic_runner.migrate_down_one()
    assert durations("duration_ms") == [1234, None]


@pytest.mark.parametrize("target", ["9999", "latest", "00", "0004a"])
def test_unknown_revision_is_named(target: str) -> None:
    with pytest.raises(errors.UnknownRevision, match=repr(target)):
        runner.check_target(target)


@pytest.mark.parametrize("target", ["", " "])
def test_an_empty_revision_is_unknown_and_changes_nothing(tmp_path, target: str) -> None:
    path = tmp_path / "empty-target.db"
    with Database(f"sqlite:///{path}") as database, pytest.raises(errors.UnknownRevision):
        database.upgrade(target)
    assert not path.exists()
