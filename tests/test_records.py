"""Record functions on a SQLite file: the rules the features state, at the function level."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentstore import Database, errors
from agentstore.db import demo, records


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'records.db'}")
    database.upgrade("head")
    yield database
    database.dispose()


def test_missing_agent_is_a_lookup_error(db: Database) -> None:
    with pytest.raises(LookupError, match="'nobody'"), db.session() as session:
        records.get_agent(session, "nobody")


def test_update_refuses_unknown_fields(db: Database) -> None:
    with db.session() as session:
        records.create_agent(session, "ada", "planner")
    with pytest.raises(TypeError, match="'name'"), db.session() as session:
        records.update_agent(session, "ada", name="grace")


def test_duplicate_name_message_is_one_line(db: Database) -> None:
    with db.session() as session:
        records.create_agent(session, "ada", "planner")
    with pytest.raises(errors.DuplicateName) as caught, db.session() as session:
        records.create_agent(session, "ada", "coder")
    assert str(caught.value) == "an agent named 'ada' already exists"


def test_seeding_twice_adds_more_agents(db: Database) -> None:
    first = demo.seed(db, 2, executions=2, seed=3)
    second = demo.seed(db, 2, executions=2, seed=3)
    assert len(set(first + second)) == 4


def test_a_missing_sqlite_file_is_refused_on_read_only_paths(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with Database(f"sqlite:///{path}") as database:
        with pytest.raises(errors.BackendUnavailable, match="does not exist"):
            database.current_revision()
        with pytest.raises(errors.BackendUnavailable, match="does not exist"):
            database.downgrade("base")
    assert not path.exists()


def test_any_other_operational_error_is_an_unavailable_backend_in_one_line() -> None:
    from sqlalchemy import exc

    from agentstore.db.failures import driver_failure

    raw = exc.OperationalError("SELECT 1", {}, Exception("disk I/O error\nmore detail"))
    mapped = driver_failure(raw, "postgresql://u:pw@h/db", 30.0)
    assert isinstance(mapped, errors.BackendUnavailable)
    assert "\n" not in str(mapped) and "disk I/O error" in str(mapped)
    assert "pw@" not in str(mapped)


def test_an_execution_is_finished_and_removed_while_its_agent_stays(db: Database) -> None:
    with db.session() as session:
        agent = records.create_agent(session, "ada", "planner")
        first = records.record_execution(session, agent.id, "draft notes", status="running")
        records.record_execution(session, agent.id, "review notes", status="running")
    with db.session() as session:
        records.finish_execution(session, first.id, "succeeded", duration_seconds=4)
    with db.session() as session:
        done = records.get_execution(session, first.id)
        assert (done.status, done.duration_seconds) == ("succeeded", 4)
        assert done.finished_at is not None
        records.delete_execution(session, first.id)
    with db.session() as session:
        assert [run.task for run in records.executions_of(session, "ada")] == ["review notes"]
    with pytest.raises(errors.MissingRecord), db.session() as session:
        records.delete_execution(session, first.id)
    with pytest.raises(ValueError, match="'running'"), db.session() as session:
        records.finish_execution(session, first.id + 1, "running")
