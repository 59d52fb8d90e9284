"""Steps for what a backup, restore or move left behind, and how it refused."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd import then

from agentstore import errors
from steps.parameter_types import phrase
from support.backup import state as backup_state
from support.backup import workloads as backup_workloads
from support.backup.servers import NewerPostgres
from support.backup.workloads import Outcome, Store
from support.common.expect import (
    expect,
    expect_between,
    expect_refused,
    expect_says,
    expect_that,
    shown,
)

_step = phrase


@then(_step("the restored store holds the same records, indexes and constraints"))
def _(source: Store, restored: Store) -> None:
    """Every row, column type, index, constraint and the revision equal the original's."""
    expect(backup_state.records(restored.url), backup_state.records(source.url), "the records")


@then(_step("a new agent and execution recorded there get fresh ids"))
def _(restored: Store) -> None:
    """The id counters came back: new records take the next ids, clashing with none."""
    agents, executions = backup_workloads.highest_ids(backup_state.records(restored.url))
    agent, execution = backup_workloads.add_agent_with_execution(restored)
    fresh = {"agent": agents + 1, "execution": executions + 1}
    expect({"agent": agent, "execution": execution}, fresh, "the new ids to be")


@then(_step("every restored execution belongs to a restored agent"))
def _(restored: Store) -> None:
    """No execution points at an agent the restore did not bring back."""
    rows = backup_state.records(restored.url)["rows"]
    agent_ids = {agent["id"] for agent in rows["agents"]}
    orphans = [e["id"] for e in rows["executions"] if e["agent_id"] not in agent_ids]
    expect(orphans, [], "the executions without an agent to be")


@then(_step("every agent added during the backup came back with all {size:d} of its executions"))
def _(restored: Store, size: int) -> None:
    """Agents are whole: each busy agent has its full batch, never part of one."""
    rows = backup_state.records(restored.url)["rows"]
    busy = {a["id"] for a in rows["agents"] if a["name"].startswith("busy-")}
    per_agent = {agent: 0 for agent in busy}
    for execution in rows["executions"]:
        if execution["agent_id"] in busy:
            per_agent[execution["agent_id"]] += 1
    expect_that(bool(busy), "agents added while the backup ran", "none")
    partial = {agent: n for agent, n in per_agent.items() if n != size}
    expect(partial, {}, f"no agent without all {size} executions, found")


@then(_step("every column of every record is the same as before, type for type"))
def _(source: Store, moved: dict[str, Store]) -> None:
    """Rows compare equal with the same Python types in every column."""
    before = backup_state.records(source.url)["rows"]
    after = backup_state.records(moved["again"].url)["rows"]
    expect(after, before, "the records as before:")
    typed = lambda rows: [[type(v).__name__ for v in r.values()] for t in rows.values() for r in t]  # noqa: E731
    expect(typed(after), typed(before), "the column types as before:")


@then(_step("the team server holds the same {agents:d} agents and {executions:d} executions"))
def _(moved: dict[str, Store], agents: int, executions: int) -> None:
    """The PostgreSQL store in the middle holds every record."""
    held, ran = backup_workloads.counts(moved["team"])
    expect({"agents": held, "executions": ran}, {"agents": agents, "executions": executions}, "")


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
    expect(sorted(moved), sorted({first, second}), "the moved facts to be")
    expect(moved, {key: original[key] for key in (first, second)}, "the moved facts as they were:")


@then(
    _step('"{lasting}" has between {low:d} and {high:d} seconds left and "{forever}" never expires')
)
def _(restored: Store, lasting: str, low: int, high: int, forever: str) -> None:
    """The time left moved with the fact (within the stated tolerance)."""
    ttls = backup_state.memory_ttls(restored.url, "aqe", restored.prefix)
    expect_between(ttls[lasting], low, high, f"seconds left for {shown(lasting)}")
    expect(ttls[forever], None, f"no expiry for {shown(forever)}, that is")


@then(_step("the {action:BackupMove} is refused because {reason:BackupRefusal}"))
def _(outcome: Outcome, action: str, reason: type[errors.AgentstoreError]) -> None:
    """The move raised the agentstore error that reason stands for, in one line."""
    expect_refused(outcome.error, reason, f"the {action}")


@then(_step('the error names the "{table}"'))
def _(outcome: Outcome, table: str) -> None:
    """The one-line error names the part of the backup at fault."""
    expect_says(outcome.error, table)


@then(_step("the error names the client package to install"))
def _(outcome: Outcome, newer_postgres: NewerPostgres) -> None:
    """The one-line error says which postgresql-client package fits the server."""
    expect_says(outcome.error, f"install postgresql-client-{newer_postgres.major}")


@then(_step("the memory holds the same facts as before it was lost"))
def _(source: Store, outcome: Outcome) -> None:
    """Every fact is back under its prefix with its value and partition."""
    expect_that(bool(outcome.before), "facts in the memory before it was lost", "none")
    after = backup_state.memory(source.url, "aqe", source.prefix)
    expect(after, outcome.before, "the facts as before:")


@then(_step('"{lasting}" has between {low:d} and {high:d} seconds left again'))
def _(source: Store, lasting: str, low: int, high: int) -> None:
    """The time left came back with the fact (within the stated tolerance)."""
    ttl = backup_state.memory_ttls(source.url, "aqe", source.prefix)[lasting]
    expect_between(ttl, low, high, f"seconds left for {shown(lasting)}")


@then(_step("the error names the prefix that holds the memory"))
def _(outcome: Outcome, source: Store) -> None:
    """The one-line refusal names the prefix the memory is under and how to pick it."""
    expect_says(outcome.error, f"under prefix {source.prefix!r}", "add --prefix")


@then(_step("no backup file is written"))
def _(tmp_path: Path) -> None:
    """A refused backup leaves no file, whole or partial, behind."""
    expect([path.name for path in tmp_path.glob("*.zip*")], [], "the backup files written to be")


@then(_step("the target holds exactly what it held before"))
def _(outcome: Outcome, target: Store) -> None:
    """Rows, schema, indexes, constraints, revision and memory compare equal to before."""
    expect(backup_workloads.whole_state(target), outcome.before, "the target as before:")
