"""Outcomes of a request that may be refused: the When step records, the Then step judges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from agentstore import Database
from agentstore.errors import AgentstoreError


@dataclass
class Outcome:
    """What a request returned, or the agentstore error it raised."""

    value: Any = None
    error: AgentstoreError | None = None

    def refused(self, kind: type[AgentstoreError]) -> AgentstoreError:
        """The error, asserting it is of ``kind`` and reads as one line."""
        assert self.error is not None, f"expected {kind.__name__}, but the request succeeded"
        assert isinstance(self.error, kind), f"expected {kind.__name__}, got {self.error!r}"
        assert "\n" not in str(self.error), f"error spans several lines: {self.error}"
        return self.error


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
