"""create the work-queue jobs and named leases of agent coordination

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.Integer()  # as agents and executions: the same portable type on both editions


def upgrade() -> None:
    op.create_table(
        "coordination_jobs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("claim_rank", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.Double(), nullable=True),
        sa.Column("token", sa.String(64), nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_jobs")),
    )
    op.create_index(
        "ix_coordination_jobs_claim",
        "coordination_jobs",
        ["scope", "queue", "claim_rank", "available_at", "id"],
    )
    op.create_index("ix_coordination_jobs_state", "coordination_jobs", ["scope", "queue", "state"])
    op.create_table(
        "coordination_leases",
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "name", name=op.f("pk_coordination_leases")),
    )


def downgrade() -> None:
    op.drop_table("coordination_leases")
    op.drop_index("ix_coordination_jobs_state", table_name="coordination_jobs")
    op.drop_index("ix_coordination_jobs_claim", table_name="coordination_jobs")
    op.drop_table("coordination_jobs")
