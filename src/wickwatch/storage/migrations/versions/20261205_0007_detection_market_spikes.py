"""detection: market spikes (the settings dry run's history)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 02:00:34.739978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_spikes",
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("base", sa.String(length=64), nullable=False),
        sa.Column("quote", sa.String(length=16), nullable=False),
        sa.Column("open", sa.Double(), nullable=False),
        sa.Column("high", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=False),
        sa.Column("close", sa.Double(), nullable=False),
        sa.Column("volume", sa.Double(), nullable=False),
        sa.Column("quote_volume", sa.Double(), nullable=False),
        sa.Column("volume_usd", sa.Double(), nullable=True),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("delta_pct", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "exchange", "market", "symbol", "ts_ms", name=op.f("pk_market_spikes")
        ),
    )
    op.create_index("ix_market_spikes_ts_ms", "market_spikes", ["ts_ms"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_market_spikes_ts_ms", table_name="market_spikes")
    op.drop_table("market_spikes")
