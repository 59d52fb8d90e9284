"""Steps for what a backup, restore or move left behind, and how it refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_bdd import parsers, then

from agentstore import errors
from steps.parameter_types import TYPES
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads
from support.backup.servers import NewerPostgres
from support.backup.workloads import Outcome, Store


def _step(text: str) -> Any:
    return parsers.parse(text, TYPES)


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
