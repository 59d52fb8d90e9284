"""Steps for backups: backing up, restoring, moving between backends, and refusals."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest import MonkeyPatch
from pytest_bdd import given, parsers, then, when

from agentstore import backup as backups
from agentstore import errors, open_memory
from agentstore.backup import pg_tools
from harness.isolation.places import Isolation
from steps.parameter_types import TYPES
from support.backup import faults as backup_faults
from support.backup import hostile as backup_hostile
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads
from support.backup.servers import NewerPostgres
from support.backup.workloads import Outcome, Store


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


# -- Given --------------------------------------------------------------------------------


@given(
    _step("a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="source",
)
def _(isolation: Isolation, backend: str, agents: int, executions: int) -> Store:
    """A store on the scenario's backend holding that many Faker-made agents and executions."""
    return backup_workloads.seeded(isolation, backend, agents, executions)


@given(
    _step("a Personal Edition store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="source",
)
def _(isolation: Isolation, agents: int, executions: int) -> Store:
    """A SQLite file (the Personal Edition) holding that many agents and executions."""
    return backup_workloads.seeded(isolation, "sqlite", agents, executions)


@given(
    _step("a backup of a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, backend: str, tmp_path: Path, agents: int, executions: int) -> Path:
    """A backup file of a seeded store on the scenario's backend."""
    store = backup_workloads.seeded(isolation, backend, agents, executions)
    backups.backup(store.url, tmp_path / "backup.zip")
    return tmp_path / "backup.zip"


@given(
    _step("an archive of a store holding {agents:d} agents with {executions:d} executions"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, tmp_path: Path, agents: int, executions: int) -> Path:
    """A portable archive of a seeded Personal Edition store."""
    store = backup_workloads.seeded(isolation, "sqlite", agents, executions)
    backups.export(store.url, tmp_path / "archive.zip")
    return tmp_path / "archive.zip"


@given(
    _step("a backup of a store on a newer PostgreSQL than the target's"),
    target_fixture="backup_file",
)
def _(newer_postgres: NewerPostgres, tmp_path: Path) -> Path:
    """A backup of a store on a throwaway server of a newer major version than the shared one."""
    backups.backup(newer_postgres.url, tmp_path / "newer.zip")
    return tmp_path / "newer.zip"


@given(
    _step("a store on a newer PostgreSQL than the machine's client programs"),
    target_fixture="source",
)
def _(newer_postgres: NewerPostgres) -> Store:
    """The throwaway newer server's seeded store."""
    return Store("postgres", newer_postgres.url)


@given(
    _step("a target store already holding {agents:d} agents with {executions:d} executions"),
    target_fixture="target",
)
def _(isolation: Isolation, backend: str, agents: int, executions: int) -> Store:
    """Another store on the scenario's backend with records of its own."""
    return backup_workloads.seeded(isolation, backend, agents, executions, seed=99)


@given(
    _step('a Redis memory holding "{lasting}" for {ttl:Duration} and "{forever}" with no expiry'),
    target_fixture="source",
)
def _(isolation: Isolation, lasting: str, ttl: float, forever: str) -> Store:
    """Facts in a Redis memory of the scenario's own: one with a time-to-live, one without."""
    store = backup_workloads.new_store(isolation, "redis")
    backup_workloads.remember(store, {lasting: ttl, forever: None})
    return store


@given(_step('the fact "{key}" in it has expired'))
def _(source: Store, key: str) -> None:
    """A fact stored with a 50 ms time-to-live, waited out."""
    backup_workloads.remember(source, {key: 0.05})
    time.sleep(0.1)


# -- When ---------------------------------------------------------------------------------


@when(_step("the store is backed up and restored into an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, source: Store, tmp_path: Path) -> Store:
    """Back the store up to a file, then restore that file into a new, empty store."""
    target = backup_workloads.new_store(isolation, backend)
    backups.backup(source.url, tmp_path / "backup.zip")
    backups.restore(target.url, tmp_path / "backup.zip")
    return target


@when(
    _step("the store is backed up while an agent keeps recording batches of {size:d} executions"),
    target_fixture="backup_file",
)
def _(source: Store, tmp_path: Path, size: int) -> Path:
    """Back up while another connection keeps adding agents, each with its batch."""
    assert size == 10, "the writer records batches of 10"
    outcome = backup_workloads.backup_while_writing(source, tmp_path / "backup.zip")
    assert outcome.error is None, outcome.error
    return tmp_path / "backup.zip"


@given(
    _step("a backup of a store another application has given a trigger and a table of its own"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, backend: str, tmp_path: Path) -> Path:
    """A seeded store, plus another application's trigger, functions and table, backed up
    whole (PostgreSQL: a plain pg_dump in an honest backup's manifest; SQLite: the file)."""
    source = backup_workloads.seeded(isolation, backend, 3, 12)
    return backup_hostile.backup_with_foreign_objects(source.url, backend, tmp_path)


@when(_step("the backup is restored into an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, backup_file: Path) -> Store:
    """Restore the backup file into a new, empty store on the scenario's backend."""
    target = backup_workloads.new_store(isolation, backend)
    backups.restore(target.url, backup_file)
    return target


@when(
    _step("its records move to the team server and from there to a new Personal Edition store"),
    target_fixture="moved",
)
def _(isolation: Isolation, source: Store, tmp_path: Path) -> dict[str, Store]:
    """Export the Personal Edition, import it on PostgreSQL, export that, import into SQLite."""
    team = backup_workloads.new_store(isolation, "postgres")
    again = backup_workloads.new_store(isolation, "sqlite")
    backups.export(source.url, tmp_path / "personal.zip")
    backups.import_archive(team.url, tmp_path / "personal.zip")
    backups.export(team.url, tmp_path / "team.zip")
    backups.import_archive(again.url, tmp_path / "team.zip")
    return {"team": team, "again": again}


@when(_step("the memory moves to an empty store"), target_fixture="restored")
def _(isolation: Isolation, backend: str, source: Store, tmp_path: Path) -> Store:
    """Export the Redis memory and import it into a new store on the scenario's backend."""
    target = backup_workloads.new_store(isolation, backend)
    backups.export(source.url, tmp_path / "memory.zip", prefix=source.prefix)
    backups.import_archive(target.url, tmp_path / "memory.zip")
    return target


@when(
    _step("the memory is backed up with its prefix, lost, and restored"), target_fixture="outcome"
)
def _(source: Store, tmp_path: Path) -> Outcome:
    """Back up the Redis memory under its prefix, delete every fact, restore the backup."""
    before = backup_state.memory(source.url, "aqe", source.prefix)
    backups.backup(source.url, tmp_path / "memory.zip", prefix=source.prefix)
    with open_memory(source.url, "aqe", source.prefix) as memory:
        for key in memory.list_keys():
            memory.delete(key)
    assert backup_state.memory(source.url, "aqe", source.prefix) == {}
    summary = backups.restore(source.url, tmp_path / "memory.zip")
    return Outcome(summary=summary, before=before)


@when(
    _step("a {action:BackupMove} of the memory is taken with a prefix that holds nothing"),
    target_fixture="outcome",
)
def _(source: Store, tmp_path: Path, action: str) -> Outcome:
    """Back up or export the memory's server under a prefix no store uses."""
    move = backups.backup if action == "backup" else backups.export
    return backup_workloads.attempt(
        move, source.url, tmp_path / "nothing.zip", prefix=source.prefix + "nobody:"
    )


@when(_step("the store is backed up with only those client programs"), target_fixture="outcome")
def _(
    source: Store, newer_postgres: NewerPostgres, tmp_path: Path, monkeypatch: MonkeyPatch
) -> Outcome:
    """Back up with the search for client programs pinned to the machine's older ones."""
    monkeypatch.setenv(pg_tools.PINNED, str(Path(newer_postgres.older_tools.pg_dump).parent))
    return backup_workloads.attempt(backups.backup, source.url, tmp_path / "never.zip")


@when(
    _step("{file:BackupFile} is restored into the target, replacing what it holds"),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store, file: Callable[[Path], Path]) -> Outcome:
    """Damage the backup file as the row says, then restore it with --force."""
    before = backup_workloads.whole_state(target)
    outcome = backup_workloads.attempt(backups.restore, target.url, file(backup_file), force=True)
    outcome.before = before
    return outcome


@when(
    _step(
        "the archive with one byte flipped in its executions is imported,"
        " replacing what the target holds"
    ),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store) -> Outcome:
    """Flip one byte inside the archive's executions, then import it with --force."""
    before = backup_workloads.whole_state(target)
    damaged = backup_faults.flipped(backup_file, "tables/executions.jsonl")
    outcome = backup_workloads.attempt(backups.import_archive, target.url, damaged, force=True)
    outcome.before = before
    return outcome


@when(_step("the backup is restored into the target without force"), target_fixture="outcome")
def _(backup_file: Path, target: Store) -> Outcome:
    """Restore the backup into the target that holds data, without --force."""
    before = backup_workloads.whole_state(target)
    outcome = backup_workloads.attempt(backups.restore, target.url, backup_file)
    outcome.before = before
    return outcome


@when(
    _step(
        "the target's server connection is cut while the backup is restored,"
        " replacing what it holds"
    ),
    target_fixture="outcome",
)
def _(backup_file: Path, target: Store) -> Outcome:
    """Hold the restore part-way, terminate its session on the target's own database."""
    before = backup_workloads.whole_state(target)
    error = backup_faults.cut_off_mid_restore(
        target.url, lambda: backups.restore(target.url, backup_file, force=True)
    )
    return Outcome(error=error, before=before)  # type: ignore[arg-type]


# -- Then ---------------------------------------------------------------------------------


@then(_step("the restored store holds the same records, indexes and constraints"))
def _(source: Store, restored: Store) -> None:
    """Every row, column type, index, constraint and the revision equal the original's."""
    assert backup_state.records(restored.url) == backup_state.records(source.url)


@then(_step("a new agent and execution recorded there get fresh ids"))
def _(restored: Store) -> None:
    """The id counters came back: new records take the next ids, clashing with none."""
    agents, executions = backup_workloads.highest_ids(backup_state.records(restored.url))
    assert backup_workloads.add_agent_with_execution(restored) == (agents + 1, executions + 1)


@then(_step("every restored execution belongs to a restored agent"))
def _(restored: Store) -> None:
    """No execution points at an agent the restore did not bring back."""
    rows = backup_state.records(restored.url)["rows"]
    agent_ids = {agent["id"] for agent in rows["agents"]}
    orphans = [e["id"] for e in rows["executions"] if e["agent_id"] not in agent_ids]
    assert orphans == []


@then(_step("every agent added during the backup came back with all {size:d} of its executions"))
def _(restored: Store, size: int) -> None:
    """Agents are whole: each busy agent has its full batch, never part of one."""
    rows = backup_state.records(restored.url)["rows"]
    busy = {a["id"] for a in rows["agents"] if a["name"].startswith("busy-")}
    per_agent = {agent: 0 for agent in busy}
    for execution in rows["executions"]:
        if execution["agent_id"] in busy:
            per_agent[execution["agent_id"]] += 1
    assert busy, "no agent was added while the backup ran"
    assert set(per_agent.values()) == {size}


@then(_step("every column of every record is the same as before, type for type"))
def _(source: Store, moved: dict[str, Store]) -> None:
    """Rows compare equal with the same Python types in every column."""
    before = backup_state.records(source.url)["rows"]
    after = backup_state.records(moved["again"].url)["rows"]
    assert after == before
    typed = lambda rows: [[type(v).__name__ for v in r.values()] for t in rows.values() for r in t]  # noqa: E731
    assert typed(after) == typed(before)


@then(_step("the team server holds the same {agents:d} agents and {executions:d} executions"))
def _(moved: dict[str, Store], agents: int, executions: int) -> None:
    """The PostgreSQL store in the middle holds every record."""
    assert backup_workloads.counts(moved["team"]) == (agents, executions)


@then(
    _step(
        'the moved memory recalls "{first}" and "{second}" with the same values,'
        ' but not "{expired}"'
    )
)
def _(source: Store, restored: Store, first: str, second: str, expired: str) -> None:
    """The live facts came with their values and partitions; the expired one stayed behind."""
    moved = backup_state.memory(restored.url, "aqe", restored.prefix)
    original = backup_state.memory(source.url, "aqe", source.prefix)
    assert set(moved) == {first, second}
    assert moved == {key: original[key] for key in (first, second)}
    assert expired not in moved


@then(
    _step('"{lasting}" has between {low:d} and {high:d} seconds left and "{forever}" never expires')
)
def _(restored: Store, lasting: str, low: int, high: int, forever: str) -> None:
    """The time left moved with the fact (within the stated tolerance)."""
    ttls = backup_state.memory_ttls(restored.url, "aqe", restored.prefix)
    assert low <= ttls[lasting] <= high
    assert ttls[forever] is None


@then(_step("the {action:BackupMove} is refused because {reason:BackupRefusal}"))
def _(outcome: Outcome, action: str, reason: type[errors.AgentstoreError]) -> None:
    """The move raised the agentstore error that reason stands for, in one line."""
    assert outcome.error is not None, f"the {action} succeeded"
    assert isinstance(outcome.error, reason), repr(outcome.error)
    assert "\n" not in str(outcome.error)


@then(_step('the error names the "{table}"'))
def _(outcome: Outcome, table: str) -> None:
    """The one-line error names the part of the backup at fault."""
    assert table in str(outcome.error)


@then(_step("the error names the client package to install"))
def _(outcome: Outcome, newer_postgres: NewerPostgres) -> None:
    """The one-line error says which postgresql-client package fits the server."""
    assert f"install postgresql-client-{newer_postgres.major}" in str(outcome.error)


@then(_step("the memory holds the same facts as before it was lost"))
def _(source: Store, outcome: Outcome) -> None:
    """Every fact is back under its prefix with its value and partition."""
    assert outcome.before
    assert backup_state.memory(source.url, "aqe", source.prefix) == outcome.before


@then(_step('"{lasting}" has between {low:d} and {high:d} seconds left again'))
def _(source: Store, lasting: str, low: int, high: int) -> None:
    """The time left came back with the fact (within the stated tolerance)."""
    ttl = backup_state.memory_ttls(source.url, "aqe", source.prefix)[lasting]
    assert ttl is not None and low <= ttl <= high


@then(_step("the error names the prefix that holds the memory"))
def _(outcome: Outcome, source: Store) -> None:
    """The one-line refusal names the prefix the memory is under and how to pick it."""
    assert f"under prefix {source.prefix!r}" in str(outcome.error)
    assert "add --prefix" in str(outcome.error)


@then(_step("no backup file is written"))
def _(tmp_path: Path) -> None:
    """A refused backup leaves no file, whole or partial, behind."""
    assert list(tmp_path.glob("*.zip*")) == []


@then(_step("the target holds exactly what it held before"))
def _(outcome: Outcome, target: Store) -> None:
    """Rows, schema, indexes, constraints, revision and memory compare equal to before."""
    assert backup_workloads.whole_state(target) == outcome.before
