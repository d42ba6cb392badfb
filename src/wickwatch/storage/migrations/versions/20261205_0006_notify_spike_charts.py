"""notify: spike charts

One PNG per spike ``(exchange, market, symbol, ts_ms)``, drawn once and shared by every user and
every dispatcher process that sends the spike's alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wickwatch.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spike_charts",
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", wickwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "exchange", "market", "symbol", "ts_ms", name=op.f("pk_spike_charts")
        ),
    )
    with op.batch_alter_table("spike_charts", schema=None) as batch_op:
        batch_op.create_index("ix_spike_charts_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spike_charts", schema=None) as batch_op:
        batch_op.drop_index("ix_spike_charts_created_at")

    op.drop_table("spike_charts")
