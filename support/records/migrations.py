"""The migration history's checks, done by pytest-alembic rather than written again here.

Each function runs one of pytest-alembic's built-in checks against a store and returns
``None`` when it holds, or pytest-alembic's explanation when it does not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest_alembic
from pytest_alembic.config import Config
from pytest_alembic.plugin.error import AlembicTestFailure
from pytest_alembic.runner import MigrationContext
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace

from agentstore import Database
from agentstore.migrations import runner
from support.common.expect import expect_that, shown

Check = Callable[[MigrationContext], None]


@contextmanager
def alembic_runner(database: Database) -> Iterator[MigrationContext]:
    """pytest-alembic's runner over agentstore's packaged history and the store's engine."""
    with pytest_alembic.runner(
        config=Config(alembic_config=runner.config()), engine=database.engine
    ) as context:
        yield context


def run_checks(database: Database, *checks: Check) -> str | None:
    """Run pytest-alembic checks in turn; the first failure's explanation, or ``None``."""
    with alembic_runner(database) as context:
        for check in checks:
            try:
                check(context)
            except AlembicTestFailure as failure:
                return str(failure)
    return None


def upgrades_from_empty(database: Database) -> str | None:
    return run_checks(database, test_upgrade)


def models_match(database: Database) -> str | None:
    return run_checks(database, test_model_definitions_match_ddl)


def up_down_up(database: Database) -> str | None:
    """Every revision goes up, down and up again, and its downgrade leaves no trace.

    Both checks start from an empty database, so the store is taken back to base between them.
    """
    failure = run_checks(database, test_downgrade_leaves_no_trace)
    if failure is None:
        database.downgrade("base")
        failure = run_checks(database, test_up_down_consistency)
    return failure


def heads() -> list[str]:
    """The history's newest revisions (one when the history is a single line)."""
    with pytest_alembic.runner(config=Config(alembic_config=runner.config())) as context:
        failure = None
        try:
            test_single_head_revision(context)
        except AlembicTestFailure as error:
            failure = error
        found = context.heads
    expect_that(
        (failure is None) == (len(found) == 1),
        "pytest-alembic and the history to agree on the newest revisions",
        f"{shown(found)} and {failure}",
    )
    return found


def revision_ids_in_files() -> Counter[str]:
    """How often each revision id is declared across the version files.

    Alembic keeps only one of two files declaring the same id, so this reads the files.
    """
    pattern = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)
    ids: Counter[str] = Counter()
    for path in sorted((runner.HERE / "versions").glob("*.py")):
        ids.update(pattern.findall(path.read_text()))
    return ids


def durations_converted(recorded: list[dict[str, Any]], seconds: list[float | None]) -> str | None:
    """Whether every execution recorded with ``duration_ms`` now lasts as long in seconds.

    ``recorded`` are the execution rows as written before the upgrade, ``seconds`` the
    durations read back after it, in the same order; ``None`` when every one matches.
    """
    if len(seconds) != len(recorded):
        return f"{len(recorded)} executions were recorded, {len(seconds)} read back"
    for row, after in zip(recorded, seconds, strict=True):
        before = row["duration_ms"]
        expected = None if before is None else before / 1000
        if (expected is None) != (after is None) or (
            expected is not None and not math.isclose(after, expected, abs_tol=1e-9)
        ):
            return f"execution {row['id']}: {before!r} ms became {after!r} s"
    return None
