"""detection: spike history

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:12:02.278368
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spike_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_spike_history_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_history")),
    )
    with op.batch_alter_table("spike_history", schema=None) as batch_op:
        batch_op.create_index("ix_spike_history_ts_ms", ["ts_ms"], unique=False)
        batch_op.create_index("ix_spike_history_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spike_history", schema=None) as batch_op:
        batch_op.drop_index("ix_spike_history_user_id")
        batch_op.drop_index("ix_spike_history_ts_ms")

    op.drop_table("spike_history")
