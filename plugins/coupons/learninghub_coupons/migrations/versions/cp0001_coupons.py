"""coupons: initial (batches, coupons, redemptions)

Revision ID: cp0001
Revises:
Depends on: pa0001 (payments; through it enrollment, courses and the kernel)
Create Date: 2026-11-26 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "cp0001"
down_revision = None
branch_labels = ("coupons",)
depends_on = ("pa0001",)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.create_table(
        "coupons_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        _user_fk("coupons_batches", "created_by"),
        _tenant_fk("coupons_batches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons_batches")),
    )
    with op.batch_alter_table("coupons_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coupons_batches_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_coupons_batches_tenant_created", ["tenant_id", "created_at"], unique=False
        )

    op.create_table(
        "coupons_coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("percent_bp", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("min_purchase_minor", sa.BigInteger(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("max_uses_per_user", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), nullable=False),
        sa.Column("held_count", sa.Integer(), nullable=False),
        sa.Column("valid_from", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("course_ids", sa.JSON(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('percent', 'fixed')", name=op.f("ck_coupons_coupons_kind")),
        sa.CheckConstraint(
            "(kind = 'percent' AND percent_bp BETWEEN 1 AND 10000)"
            " OR (kind = 'fixed' AND amount_minor > 0 AND currency IS NOT NULL)",
            name=op.f("ck_coupons_coupons_value"),
        ),
        sa.CheckConstraint(
            "min_purchase_minor >= 0", name=op.f("ck_coupons_coupons_min_purchase_minor")
        ),
        sa.CheckConstraint(
            "used_count >= 0 AND held_count >= 0", name=op.f("ck_coupons_coupons_counts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["coupons_batches.id"],
            name=op.f("fk_coupons_coupons_batch_id_coupons_batches"),
            ondelete="SET NULL",
        ),
        _user_fk("coupons_coupons", "created_by"),
        _tenant_fk("coupons_coupons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons_coupons")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_coupons_coupons_tenant_id_code")),
    )
    with op.batch_alter_table("coupons_coupons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coupons_coupons_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_coupons_coupons_tenant_created", ["tenant_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_coupons_coupons_batch_id", ["batch_id"], unique=False)

    op.create_table(
        "coupons_redemptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'used', 'released')", name=op.f("ck_coupons_redemptions_status")
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["coupons_coupons.id"],
            name=op.f("fk_coupons_redemptions_coupon_id_coupons_coupons"),
            ondelete="CASCADE",
        ),
        _user_fk("coupons_redemptions", "user_id"),
        _tenant_fk("coupons_redemptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons_redemptions")),
        sa.UniqueConstraint(
            "coupon_id", "order_id", name=op.f("uq_coupons_redemptions_coupon_id_order_id")
        ),
    )
    with op.batch_alter_table("coupons_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coupons_redemptions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_coupons_redemptions_order", ["tenant_id", "order_id"], unique=False
        )
        batch_op.create_index(
            "ix_coupons_redemptions_coupon_user", ["coupon_id", "user_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("coupons_redemptions")
    op.drop_table("coupons_coupons")
    op.drop_table("coupons_batches")
