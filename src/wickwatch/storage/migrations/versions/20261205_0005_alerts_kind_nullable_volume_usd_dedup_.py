"""alerts: kind, nullable volume_usd, dedup key

``kind`` tells spike alerts from price-band alerts (``above_max`` / ``below_min``);
``volume_usd`` is NULL when the USD volume could not be known (it used to be stored as 0);
``ux_alerts_dedup`` makes alert creation idempotent across collectors and restarts (duplicates
already stored are removed first, keeping the oldest).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 01:53:06.190382
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wickwatch.storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEDUP = ["user_id", "exchange", "market", "symbol", "ts_ms", "kind", "rule"]


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=12), server_default="spike", nullable=False)
        )
        batch_op.alter_column(
            "volume_usd", existing_type=wickwatch.storage.types.ExactDecimal(), nullable=True
        )
    keys = ", ".join(_DEDUP)
    op.execute(f"DELETE FROM alerts WHERE id NOT IN (SELECT MIN(id) FROM alerts GROUP BY {keys})")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ux_alerts_dedup", _DEDUP, unique=True)


def downgrade() -> None:
    op.execute("UPDATE alerts SET volume_usd = '0' WHERE volume_usd IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ux_alerts_dedup")
        batch_op.alter_column(
            "volume_usd", existing_type=wickwatch.storage.types.ExactDecimal(), nullable=False
        )
        batch_op.drop_column("kind")
