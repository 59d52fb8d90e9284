"""The table behind the SQL memory backends: one row per live key, scoped by prefix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Double, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from agentstore.db.base import Base


class MemoryEntry(Base):
    """One memory key: its JSON value, partition, size and (optional) expiry."""

    __tablename__ = "memory_entries"

    prefix: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), default="default")
    value: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float | None] = mapped_column(Double)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_memory_entries_partition_prefix", "partition", "prefix"),
        Index("ix_memory_entries_expires_at", "expires_at"),
    )
