"""Steps for imports that fail or are stopped: crafted archives, kills, and what is left."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from pytest_bdd import given, then, when

from agentstore import Database
from agentstore import backup as backups
from agentstore.db import demo, records
from agentstore.errors import AgentstoreError
from harness.isolation.places import Isolation
from steps.parameter_types import one_of, phrase
from support.backup import crafted, kills
from support.backup import workloads as backup_workloads
from support.backup.fingerprints import fingerprint
from support.backup.workloads import Outcome, Store
from support.common.expect import expect, expect_refused, expect_that

#: What each flaw changes in an archive of 2 agents with 4 executions: (table, column, value);
#: a column of None means the table's first row appears twice.
FLAWS: dict[str, tuple[str, str | None, Any]] = {
    "an agent without a name": ("agents", "name", None),
    "an agent listed twice": ("agents", None, None),
    "an execution of an unknown agent": ("executions", "agent_id", 4242),
    "a priority beyond any counter": ("agents", "priority", 2**70),
    "a priority written as words": ("agents", "priority", "high"),
    "a task holding a NUL character": ("executions", "task", "a\x00b"),
}


def _step(text: str) -> Any:
    return phrase(text, Flaw=one_of(FLAWS, "what is wrong in it"))


def _columns(path: Path, table: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return [name for name, _ in manifest["tables"][table]["columns"]]


def _archive(isolation: Isolation, tmp_path: Path, agents: int, executions: int) -> Path:
    source = backup_workloads.seeded(isolation, "sqlite", agents, executions)
    backups.export(source.url, tmp_path / "archive.zip")
    return tmp_path / "archive.zip"


# -- Given --------------------------------------------------------------------------------


@given(_step('a target store whose memory holds "{first}" and "{second}"'), target_fixture="target")
def _(isolation: Isolation, backend: str, first: str, second: str) -> Store:
    """A store on the scenario's backend with two facts, one of them with a time-to-live."""
    store = backup_workloads.new_store(isolation, backend)
    backup_workloads.remember(store, {first: 300.0, second: None})
    return store


@given(
    _step('an archive whose memory also holds the fact "{key}" of another namespace'),
    target_fixture="backup_file",
)
def _(isolation: Isolation, tmp_path: Path, key: str) -> Path:
    """An archive of a Redis memory with two facts, and one more outside its namespace."""
    source = backup_workloads.new_store(isolation, "redis")
    backup_workloads.remember(source, {"aqe/new": None, "aqe/plan": 600.0})
    path = tmp_path / "archive.zip"
    backups.export(source.url, path, prefix=source.prefix)
    return crafted.with_memory(path, [*crafted.memory(path), [key, "default", 1, None]])


@given(
    _step("an archive of {agents:d} agents whose last agent does not read back as written"),
    target_fixture="backup_file",
)
def _(isolation: Isolation, tmp_path: Path, agents: int) -> Path:
    """An archive whose last agent's creation moment is spelled with an offset: the rows load,
    and what the database reads back differs from the file, so verification fails last."""
    path = _archive(isolation, tmp_path, agents, agents)
    rows = crafted.rows(path, "agents")
    rows[-1][_columns(path, "agents").index("created_at")] = "2024-01-01T05:00:00.000000+05:00"
    return crafted.with_rows(path, "agents", rows)


@given(_step("an archive holding {flaw:Flaw}"), target_fixture="backup_file")
def _(isolation: Isolation, tmp_path: Path, flaw: str) -> Path:
    """An archive of 2 agents with 4 executions, with the flaw the row names."""
    table, column, value = FLAWS[flaw]
    path = _archive(isolation, tmp_path, 2, 4)
    rows = crafted.rows(path, table)
    if column is None:
        rows.append(rows[0])
    else:
        rows[1][_columns(path, table).index(column)] = value
    return crafted.with_rows(path, table, rows)


@given(_step("a database that was never set up"), target_fixture="target")
def _(isolation: Isolation, backend: str) -> Store:
    """A database on the scenario's backend that no migration ever touched."""
    return Store(backend, isolation.new(backend, migrated=False).url)


@given(_step("a target store with records and memory of its own"), target_fixture="target")
def _() -> None:
    """The target comes with the archive (next step), which knows what it must hold."""
    return None


@given(_step("an archive of thousands of records and facts"), target_fixture="big")
def _(isolation: Isolation, backend: str, tmp_path: Path) -> tuple[Path, Store]:
    """About 6,000 records and 200 facts (Redis: 12,000 facts), and a target of its own."""
    return kills.big_archive(isolation, tmp_path, backend)


# -- When ---------------------------------------------------------------------------------


@when(_step("the archive is imported, replacing what the target holds"), target_fixture="outcome")
def _(backup_file: Path, target: Store) -> Outcome:
    """Import the archive with --force, keeping the target's whole state from before."""
    before = backup_workloads.whole_state(target)
    outcome = backup_workloads.attempt(
        backups.import_archive, target.url, backup_file, force=True, prefix=target.prefix
    )
    outcome.before = before
    return outcome


@when(_step("the archive is imported into that database"), target_fixture="outcome")
def _(backup_file: Path, target: Store) -> Outcome:
    """Import the archive into the never set up database."""
    return backup_workloads.attempt(backups.import_archive, target.url, backup_file)


@when(_step("the import is killed at {times:d} random moments"), target_fixture="kill_outcomes")
def _(big: tuple[Path, Store], tmp_path: Path, times: int) -> tuple[int, list[str]]:
    """Run `agentstore import --force` and SIGKILL it at random moments (checked as it goes):
    how many kills were asked for, and what each kill that was made left ("old" or "new")."""
    archive, target = big
    return times, kills.kill_at_random_moments(target, archive, tmp_path, times=times, seed=7)


# -- Then ---------------------------------------------------------------------------------


@then(_step("the import is refused in one line"))
def _(outcome: Outcome) -> None:
    """The import raised an agentstore error whose message is one line."""
    expect_refused(outcome.error, AgentstoreError, "the import")


@then(_step("{count:d} more agents can be recorded in the target with fresh numbers"))
def _(outcome: Outcome, target: Store, count: int) -> None:
    """The numbering did not move: the target is unchanged and new agents take fresh ids."""
    expect(backup_workloads.whole_state(target), outcome.before, "the target as before:")
    agents, _ = backup_workloads.counts(target)
    with Database(target.url) as database:
        demo.seed(database, count, executions=count, seed=23)
        with database.session() as session:
            expect(records.count_agents(session), agents + count, "the target to hold agents:")


@then(_step("the database is still never set up"))
def _(target: Store) -> None:
    """No table and no schema revision: the import's migration was rolled back with it."""
    with Database(target.url) as database:
        expect(database.current_revision(), None, "the schema revision to be")
    expect(fingerprint(target.url)["records"], {"tables": set()}, "the records to be")


@then(_step("after each kill the target holds what it held before or the whole archive"))
def _(kill_outcomes: tuple[int, list[str]]) -> None:
    """Every kill asked for was made, and each left one of the two states (the When step
    checked each state as it went and would have failed on a third)."""
    asked, outcomes = kill_outcomes
    expect(len(outcomes), asked, "kills made and checked:")


@then(_step("no partial file is left behind"))
def _(kill_outcomes: tuple[int, list[str]]) -> None:
    """No temporary or partial file appeared next to the archive (checked after each kill)."""
    expect_that(bool(kill_outcomes[1]), "kills checked", "none")
