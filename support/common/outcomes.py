"""Outcomes of a request that may be refused: the When step records, the Then step judges.

``REFUSALS`` is the one table of reasons a feature may give for a refusal ("the request is
refused because <reason>"): each reason names the error it stands for and what the error's
one-line message must say. A new reason is one new row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import parse
from sqlalchemy.orm import Session

from agentstore import Database, errors
from agentstore.errors import AgentstoreError
from support.common.expect import expect_refused, expect_says, fail, shown


@dataclass
class Outcome:
    """What a request returned, or the agentstore error it raised."""

    value: Any = None
    error: AgentstoreError | None = None

    def refused(self, kind: type[AgentstoreError]) -> AgentstoreError:
        """The error, failing unless it is of ``kind`` and reads as one line."""
        expect_refused(self.error, kind, "the request")
        return cast(AgentstoreError, self.error)


@dataclass(frozen=True)
class Refusal:
    """A reason as features word it, the error it means, and what that error must say."""

    reason: str  # a parse pattern: 'the name "{name}" is taken'
    error: type[AgentstoreError]
    says: str  # formatted with the reason's fields: "{name!r}"


REFUSALS = (
    Refusal('the name "{name}" is taken', errors.DuplicateName, "{name!r}"),
    Refusal("the agent does not exist", errors.MissingRecord, "no agent"),
    Refusal('the revision "{revision}" is unknown', errors.UnknownRevision, "{revision!r}"),
    Refusal(
        'the database is at the newer revision "{revision}"', errors.SchemaTooNew, "{revision!r}"
    ),
    Refusal("the database was never migrated", errors.SchemaNotMigrated, "migrate up"),
    Refusal("the task is unknown", errors.UnknownJob, "job"),
    Refusal("the task is already done", errors.LeaseLost, "already done"),
    Refusal(
        "a lease must be a finite number of seconds above zero",
        errors.InvalidTTL,
        "finite number of seconds above zero",
    ),
    Refusal("JSON cannot hold the task", errors.InvalidValue, "JSON cannot hold"),
    Refusal("a task may be tried at least once", errors.InvalidOption, "at least 1"),
    Refusal("the {what} name is not usable", errors.InvalidName, "{what} name"),
    Refusal("the error text cannot be stored", errors.InvalidValue, "error cannot hold"),
    Refusal("the task nests too deep", errors.InvalidValue, "deeper than 64 levels"),
    Refusal("events are not offered, use a work queue", errors.Unsupported, "queue"),
)


def refused_because(outcome: Outcome, reason: str) -> AgentstoreError:
    """Assert ``outcome`` was refused for ``reason`` (a row of ``REFUSALS``); the error."""
    for refusal in REFUSALS:
        found = parse.parse(refusal.reason, reason)
        if found is not None:
            error = outcome.refused(refusal.error)
            expected = refusal.says.format(**found.named)
            expect_says(error, expected)
            return error
    known = "; ".join(refusal.reason for refusal in REFUSALS)
    fail(f"a reason support/common/outcomes.py knows ({known})", shown(reason))


def attempt(request: Callable[[], Any]) -> Outcome:
    """Run ``request``; keep its result or the agentstore error it raised."""
    try:
        return Outcome(value=request())
    except AgentstoreError as error:
        return Outcome(error=error)


def attempt_in_session(database: Database, work: Callable[[Session], Any]) -> Outcome:
    """Run ``work`` in one session of ``database`` (committed unless it raises), as ``attempt``."""

    def in_session() -> Any:
        with database.session() as session:
            return work(session)

    return attempt(in_session)
