"""create memory entries for the SQL memory backends

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_entries",
        sa.Column("prefix", sa.String(200), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("partition", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("prefix", "key", name=op.f("pk_memory_entries")),
    )
    op.create_index("ix_memory_entries_partition_prefix", "memory_entries", ["partition", "prefix"])
    op.create_index("ix_memory_entries_expires_at", "memory_entries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_memory_entries_expires_at", table_name="memory_entries")
    op.drop_index("ix_memory_entries_partition_prefix", table_name="memory_entries")
    op.drop_table("memory_entries")
