"""price alerts: updated_at

When the user last changed the price alert: the collectors' periodic check reloads the bands
only when this (or the count) changed, instead of reading every band each time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 02:32:49.508249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wickwatch.storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("price_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "updated_at", wickwatch.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("price_alerts", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
