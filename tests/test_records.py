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
    first = demo.seed(db, 2, 1, seed=3)
    second = demo.seed(db, 2, 1, seed=3)
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

    from agentstore.db.failures import translate

    raw = exc.OperationalError("SELECT 1", {}, Exception("disk I/O error\nmore detail"))
    mapped = translate(raw, "postgresql://u:pw@h/db", 30.0)
    assert isinstance(mapped, errors.BackendUnavailable)
    assert "\n" not in str(mapped) and "disk I/O error" in str(mapped)
    assert "pw@" not in str(mapped)
