"""Backups and archives bring back exactly what was saved, on each backend and between them."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from agentstore import Database, open_memory
from agentstore import backup as backups
from agentstore.db import demo, records
from harness.isolation.places import Isolation
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads


def seeded(isolation: Isolation, backend: str, agents: int = 4, executions: int = 6) -> str:
    url = isolation.new(backend).url
    with Database(url) as database:
        demo.seed(database, agents, executions=agents * executions, seed=7)
    return url


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_backup_restores_every_row_and_new_rows_get_fresh_ids(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    source = seeded(isolation, backend)
    target = isolation.new(backend).url
    backups.backup(source, tmp_path / "b.zip")
    summary = backups.restore(target, tmp_path / "b.zip")
    assert summary.rows >= 4 + 24
    assert backup_state.records(target) == backup_state.records(source)
    with Database(target) as database, database.session() as session:
        agent = records.create_agent(session, "newcomer", "planner")
        run = records.record_execution(session, agent.id, "first task")
    assert agent.id == 5 and run.id == 25


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_backup_taken_while_another_connection_writes_is_one_moment(
    isolation: Isolation, tmp_path: Path, backend: str
) -> None:
    source = backup_workloads.seeded(isolation, backend, 2, 100)
    outcome = backup_workloads.backup_while_writing(source, tmp_path / "b.zip")
    assert outcome.error is None, outcome.error
    target = isolation.new(backend).url
    backups.restore(target, tmp_path / "b.zip")
    rows = backup_state.records(target)["rows"]
    agent_ids = {a["id"] for a in rows["agents"]}
    assert all(e["agent_id"] in agent_ids for e in rows["executions"])
    # Every agent the writer added came with its 10 executions: no half transaction.
    per_agent: dict[int, int] = {}
    for execution in rows["executions"]:
        per_agent[execution["agent_id"]] = per_agent.get(execution["agent_id"], 0) + 1
    busy = [a["id"] for a in rows["agents"] if a["name"].startswith("busy-")]
    assert len(busy) >= 3
    assert {per_agent[agent] for agent in busy} == {10}


def test_personal_edition_to_postgres_and_back_holds_the_same_records(
    isolation: Isolation, tmp_path: Path
) -> None:
    personal = seeded(isolation, "sqlite")
    team = isolation.new("postgres").url
    again = isolation.new("sqlite").url
    backups.export(personal, tmp_path / "pe.zip")
    backups.import_archive(team, tmp_path / "pe.zip")
    backups.export(team, tmp_path / "team.zip")
    backups.import_archive(again, tmp_path / "team.zip")
    original = backup_state.records(personal)["rows"]
    assert backup_state.records(again)["rows"] == original
    on_postgres = backup_state.records(team)["rows"]
    assert [len(v) for v in on_postgres.values()] == [len(v) for v in original.values()]


@pytest.mark.parametrize("target_backend", ["postgres", "sqlite"])
def test_memory_moves_from_redis_with_its_remaining_time_to_live(
    isolation: Isolation, tmp_path: Path, target_backend: str
) -> None:
    place = isolation("redis")
    with open_memory(place.url, "aqe", place.prefix) as memory:
        memory.store("aqe/fact", {"b": 1, "a": [1.5, "x"]}, partition="facts")
        memory.store("aqe/soon", "gone", ttl=60)
        memory.store("aqe/expired", "never", ttl=0.05)
    time.sleep(0.1)
    backups.export(place.url, tmp_path / "m.zip", prefix=place.prefix)
    target = isolation.new(target_backend).url
    backups.import_archive(target, tmp_path / "m.zip")
    assert backup_state.memory(target, "aqe", "") == {
        "aqe/fact": ("facts", {"b": 1, "a": [1.5, "x"]}),
        "aqe/soon": ("default", "gone"),
    }
    ttls = backup_state.memory_ttls(target, "aqe", "")
    assert ttls["aqe/fact"] is None
    assert 55 < ttls["aqe/soon"] <= 60


def test_the_cli_prints_one_summary_line(isolation: Isolation, tmp_path: Path, capsys) -> None:
    from agentstore.cli import main

    source = seeded(isolation, "sqlite")
    assert main(["backup", "--url", source, "--out", str(tmp_path / "b.zip")]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("backup: ") and "rows" in line and "\n" not in line


def test_a_sqlite_restore_while_a_reader_is_open_is_seen_whole(
    isolation: Isolation, tmp_path: Path
) -> None:
    source = seeded(isolation, "sqlite")
    target = isolation.new("sqlite").url
    backups.backup(source, tmp_path / "b.zip")
    reader = sqlite3.connect(target.removeprefix("sqlite:///"))
    try:
        backups.restore(target, tmp_path / "b.zip")
        assert reader.execute("SELECT count(*) FROM executions").fetchone()[0] == 24
    finally:
        reader.close()


def test_an_entry_that_expired_while_in_the_archive_is_not_imported(
    isolation: Isolation, tmp_path: Path
) -> None:
    place = isolation("redis")
    with open_memory(place.url, "aqe", place.prefix) as memory:
        memory.store("aqe/brief", "soon gone", ttl=1.2)
        memory.store("aqe/kept", "stays", ttl=120)
    backups.export(place.url, tmp_path / "m.zip", prefix=place.prefix)
    time.sleep(1.5)  # its moment passes while it sits in the archive
    target = isolation.new("sqlite").url
    backups.import_archive(target, tmp_path / "m.zip")
    assert backup_state.memory(target, "aqe", "") == {"aqe/kept": ("default", "stays")}


def test_a_store_of_no_agents_is_empty_and_executions_without_one_are_refused_in_words(
    isolation: Isolation,
) -> None:
    """Issue 22: "a store holding 0 agents with 0 executions" was a ZeroDivisionError."""
    empty = backup_workloads.seeded(isolation, "sqlite", 0, 0)
    assert backup_workloads.counts(empty) == (0, 0)
    with pytest.raises(pytest.fail.Exception, match="5 executions with 0 agents: every execution"):
        backup_workloads.seeded(isolation, "sqlite", 0, 5)


def test_a_snapshot_names_the_revision_the_store_is_at(tmp_path: Path) -> None:
    """records() is compared before and after a restore; its revision must be the store's own,
    or two snapshots would agree on a revision neither store is at."""
    url = f"sqlite:///{tmp_path / 'agents.db'}"
    sqlite3.connect(tmp_path / "agents.db").close()
    with Database(url) as database:
        database.upgrade("0001")
        assert backup_state.records(url)["revision"] == "0001"
        database.upgrade()
        assert backup_state.records(url)["revision"] == database.current_revision()
