"""alerts: the 1-second candles around spikes (alert charts)

One row per symbol-second, shared by every alert whose window holds it; purged with the
market spikes (``WICKWATCH_SPIKE_RETENTION_DAYS``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:12:47.316532
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wickwatch.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    decimal = wickwatch.storage.types.ExactDecimal
    op.create_table(
        "spike_candles_1s",
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("open", decimal(), nullable=False),
        sa.Column("high", decimal(), nullable=False),
        sa.Column("low", decimal(), nullable=False),
        sa.Column("close", decimal(), nullable=False),
        sa.Column("volume", decimal(), nullable=False),
        sa.Column("quote_volume", decimal(), nullable=False),
        sa.Column("taker_buy_volume", decimal(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "exchange", "market", "symbol", "ts_ms", name=op.f("pk_spike_candles_1s")
        ),
    )
    op.create_index("ix_spike_candles_1s_ts_ms", "spike_candles_1s", ["ts_ms"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_spike_candles_1s_ts_ms", table_name="spike_candles_1s")
    op.drop_table("spike_candles_1s")
