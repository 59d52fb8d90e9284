"""record execution durations in seconds instead of milliseconds (data migration)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Every existing duration is converted: 1234 ms becomes 1.234 s, and back again on downgrade
(rounded to the millisecond, which is all the old column could hold).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

executions = sa.table(
    "executions",
    sa.column("duration_ms", sa.Integer()),
    sa.column("duration_seconds", sa.Double()),
)


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("duration_seconds", sa.Double(), nullable=True))
    op.execute(
        executions.update().values(
            duration_seconds=sa.cast(executions.c.duration_ms, sa.Double()) / 1000.0
        )
    )
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("duration_ms")


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
    op.execute(
        executions.update().values(
            duration_ms=sa.cast(sa.func.round(executions.c.duration_seconds * 1000.0), sa.Integer())
        )
    )
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("duration_seconds")
