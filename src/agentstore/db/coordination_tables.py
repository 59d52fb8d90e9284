"""The tables behind the SQL coordination backends: queued jobs and named leases.

Times are seconds since the epoch by the database server's clock (a double), like the
memory's expiry, so every worker judges a lease by the same clock whatever its own says.
``scope`` is the store's prefix: many queues and lease sets share one database unseen.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agentstore.db.base import Base


class CoordinationJob(Base):
    """One job of a work queue: its payload, state, claim token and attempts.

    ``available_at`` is when the job may next be claimed: its ``run_at`` while ready, the end
    of its lease while running, and empty once it is done or dead.
    """

    __tablename__ = "coordination_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10))
    payload: Mapped[str] = mapped_column(Text)
    # Minus the priority: the lowest rank is claimed first, so one ascending index serves
    # the claim's order (rank, then when it became available, then age).
    claim_rank: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[float | None] = mapped_column(Double)
    token: Mapped[str | None] = mapped_column(String(64))
    worker: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double)

    __table_args__ = (
        Index("ix_coordination_jobs_claim", "scope", "queue", "claim_rank", "available_at", "id"),
        Index("ix_coordination_jobs_state", "scope", "queue", "state"),
    )


class CoordinationLease(Base):
    """A named lease: its holder and the last fencing token handed out under that name.

    The row outlives every holder, so the next token is always above every earlier one.
    """

    __tablename__ = "coordination_leases"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[float | None] = mapped_column(Double)
