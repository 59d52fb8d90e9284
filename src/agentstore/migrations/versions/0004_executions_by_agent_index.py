"""index executions by agent and start time, for an agent's history

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_executions_agent_id_started_at", "executions", ["agent_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_executions_agent_id_started_at", table_name="executions")
