"""notify: outbox channel, alert template, rate slots, telegram link codes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:36:04.794621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import wickwatch.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_rate_slots",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("next_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notify_rate_slots")),
    )
    op.create_table(
        "telegram_link_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires_at", wickwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", wickwatch.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", wickwatch.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_telegram_link_codes_channel_id_channels"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_telegram_link_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_telegram_link_codes")),
    )
    with op.batch_alter_table("telegram_link_codes", schema=None) as batch_op:
        batch_op.create_index("ix_telegram_link_codes_user_id", ["user_id"], unique=False)

    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_deliveries_channel_id_channels"),
            "channels",
            ["channel_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("chart", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("chart")
        batch_op.drop_column("timezone")
        batch_op.drop_column("template")

    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_alert_deliveries_channel_id_channels"), type_="foreignkey"
        )
        batch_op.drop_column("channel_id")

    with op.batch_alter_table("telegram_link_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_telegram_link_codes_user_id")

    op.drop_table("telegram_link_codes")
    op.drop_table("notify_rate_slots")
