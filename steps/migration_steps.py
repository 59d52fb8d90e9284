"""Steps for the schema's history: upgrading, downgrading, refusing, keeping records intact."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from faker import Faker
from pytest_bdd import given, parsers, then, when

from agentstore import Database
from agentstore.db import records
from agentstore.migrations import runner
from steps.parameter_types import TYPES, one_of
from support.common.expect import expect, expect_that
from support.common.outcomes import Outcome, attempt
from support.records import factories
from support.records import migrations as migration_checks
from support.records.databases import Opener
from support.underneath import sql as inspect_db


@dataclass
class Recorded:
    """Records written at an old revision, and every row as it was stored then."""

    rows: dict[str, list[dict[str, Any]]]


# Given ----------------------------------------------------------------------------------------


@given("the migration history shipped with agentstore", target_fixture="history")
def _() -> list[runner.Revision]:
    return runner.history()


@given(parsers.parse("an empty database", TYPES), target_fixture="db")
def _(open_database: Opener, backend: str) -> Database:
    return open_database(backend, revision=None)


@given(
    parsers.parse('a database at revision "{revision:Text}"', TYPES),
    target_fixture="db",
)
def _(open_database: Opener, backend: str, revision: str) -> Database:
    return open_database(backend, revision=revision)


@given(
    parsers.parse(
        'a database that a newer agentstore moved to revision "{revision:Text}"',
        TYPES,
    ),
    target_fixture="db",
)
def _(open_database: Opener, backend: str, revision: str) -> Database:
    db = open_database(backend)
    inspect_db.stamp_unknown_revision(db, revision)
    return db


@given(
    parsers.parse("{count:d} agents with {each:d} executions each recorded at that revision"),
    target_fixture="recorded",
)
def _(db: Database, fake: Faker, count: int, each: int) -> Recorded:
    agents = factories.agents(fake, count)
    inspect_db.write_rows(db, agents, [factories.executions(fake, each) for _ in agents])
    return Recorded(inspect_db.rows(db))


# When -----------------------------------------------------------------------------------------


@when("the database is upgraded to the newest revision", target_fixture="outcome")
def _(db: Database) -> Outcome:
    return attempt(lambda: db.upgrade("head"))


@when(
    parsers.parse(
        'the database is {direction:Direction} to revision "{revision:Text}"',
        {**TYPES, "Direction": one_of(["upgraded", "downgraded"], "which way the schema moves")},
    ),
    target_fixture="outcome",
)
def _(db: Database, direction: str, revision: str) -> Outcome:
    move = {"upgraded": db.upgrade, "downgraded": db.downgrade}[direction]
    return attempt(lambda: move(revision))


@when("the next revision is applied and then undone")
def _(db: Database) -> None:
    ids = [revision.id for revision in runner.history()]
    here = db.current_revision()
    db.upgrade(ids[ids.index(here) + 1])
    db.downgrade(here)


@when(
    "every revision is applied, undone and applied again in turn",
    target_fixture="stairway_failure",
)
def _(db: Database) -> str | None:
    return migration_checks.up_down_up(db)


@when(
    parsers.parse(
        'the operator runs "agentstore migrate {action:MigrateAction}" on the database',
        {"MigrateAction": one_of(["up", "down", "current"], "What agentstore migrate does.")},
    ),
    target_fixture="command_run",
)
def _(db: Database, action: str) -> subprocess.CompletedProcess[str]:
    """The command line, in a process of its own, pointed at the scenario's database."""
    command = [sys.executable, "-m", "agentstore.cli", "migrate", action, "--url", db.url.raw]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def command_output(run: subprocess.CompletedProcess[str]) -> str:
    """What the command printed, after checking it ended well."""
    expect(run.returncode, 0, f"the command's exit status (it said {run.stderr.strip()!r}):")
    return run.stdout.strip()


# Then -----------------------------------------------------------------------------------------


@then("the history has exactly one newest revision")
def _(history: list[runner.Revision]) -> None:
    expect(migration_checks.heads(), [history[-1].id], "the newest revisions to be")


@then("no revision id is declared twice")
def _() -> None:
    twice = [rid for rid, n in migration_checks.revision_ids_in_files().items() if n > 1]
    expect(twice, [], "the revision ids declared twice to be")


@then("the database is at the newest revision")
def _(db: Database, outcome: Outcome) -> None:
    expect(outcome.error, None, "the migration to end with the error")
    expect(db.current_revision(), runner.head(), "the database at revision")


@then(parsers.parse('the database is still at revision "{revision:Text}"', TYPES))
def _(db: Database, revision: str) -> None:
    expect(db.current_revision(), revision, "the database at revision")


@then("the database reports that it was never migrated")
def _(db: Database) -> None:
    expect(db.current_revision(), None, "the database at revision")


@then("no table of agentstore is left")
def _(db: Database) -> None:
    expect(sorted(inspect_db.tables(db)), [], "the tables of agentstore left to be")


@then("each revision left the same schema every time")
def _(stairway_failure: str | None) -> None:
    expect_that(stairway_failure is None, "the same schema every time", stairway_failure)


@then("comparing the schema with the models finds no difference")
def _(db: Database, outcome: Outcome) -> None:
    expect(outcome.error, None, "the migration to end with the error")
    difference = migration_checks.models_match(db)
    expect_that(difference is None, "no difference from the models", difference)


@then("every agent has priority 0")
def _(db: Database) -> None:
    with db.session() as session:
        priorities = sorted({agent.priority for agent in records.list_agents(session)})
    expect(priorities, [0], "the agents' priorities to be")


@then("every execution lasted the same time, now given in seconds")
def _(db: Database, recorded: Recorded) -> None:
    with db.session() as session:
        after = [run.duration_seconds for run in records.list_executions(session)]
    difference = migration_checks.durations_converted(recorded.rows["executions"], after)
    expect_that(difference is None, "the same durations in seconds", difference)


@then("every agent and execution is exactly as it was recorded")
def _(db: Database, recorded: Recorded) -> None:
    expect(inspect_db.rows(db), recorded.rows, "the records as recorded:")


@then(
    parsers.parse(
        'the database is still at revision "{revision:Text}" with every record as it was', TYPES
    )
)
def _(db: Database, recorded: Recorded, revision: str) -> None:
    expect(db.current_revision(), revision, "the database at revision")
    expect(inspect_db.rows(db), recorded.rows, "the records as recorded:")


@given(
    "a team edition store on PostgreSQL and a Personal Edition store on SQLite",
    target_fixture="editions",
)
def _(open_database: Opener) -> dict[str, Database]:
    return {backend: open_database(backend) for backend in ("postgres", "sqlite")}


@then("both stores have the same tables")
def _(editions: dict[str, Database]) -> None:
    postgres, sqlite = (inspect_db.tables(editions[b]) for b in ("postgres", "sqlite"))
    expect(sorted(sqlite), sorted(postgres), "the tables on SQLite as on PostgreSQL:")


@then("every table has the same columns, portable types and nullability in both")
def _(editions: dict[str, Database]) -> None:
    postgres, sqlite = (inspect_db.portable_schema(editions[b]) for b in ("postgres", "sqlite"))
    expect(sqlite, postgres, "the schema on SQLite as on PostgreSQL:")


@then(
    parsers.parse(
        'the command moved the database from "{before:Text}" to the newest revision', TYPES
    )
)
def _(db: Database, command_run: subprocess.CompletedProcess[str], before: str) -> None:
    said = command_output(command_run)
    expect_that(
        said.endswith(f": {before} -> {runner.head()}"),
        f"a line ending {before} -> {runner.head()}",
        repr(said),
    )
    expect(db.current_revision(), runner.head(), "the database at revision")


@then("the command answers with the newest revision")
def _(command_run: subprocess.CompletedProcess[str]) -> None:
    expect(command_output(command_run), runner.head(), "the command's answer")


@then(parsers.parse('the command answers "{answer:Text}"', TYPES))
def _(command_run: subprocess.CompletedProcess[str], answer: str) -> None:
    expect(command_output(command_run), answer, "the command's answer")
