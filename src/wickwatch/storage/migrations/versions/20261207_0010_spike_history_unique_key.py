"""detection: one spike-history record per spike (unique key)

A collector that restarts after a crash writes again what its journal cannot know was
committed; alerts were already unique, spike records were not, and a duplicate counted twice in
a series condition. Duplicates already stored are removed (the oldest row of each is kept).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["user_id", "source", "exchange", "market", "symbol", "ts_ms"]


def upgrade() -> None:
    op.execute(
        "DELETE FROM spike_history WHERE id NOT IN (SELECT MIN(id) FROM spike_history "
        f"GROUP BY {', '.join(_KEY)})"
    )
    op.create_index("ux_spike_history_key", "spike_history", _KEY, unique=True)


def downgrade() -> None:
    op.drop_index("ux_spike_history_key", table_name="spike_history")
