"""payments: orders (payments_orders, payments_order_items, payments_order_adjustments,
payments_transactions, payments_seat_codes, payments_tax_rates)

Revision ID: pa0001
Revises:
Depends on: en0001 (enrollment; through it content, courses, media and the kernel)
Create Date: 2026-11-26 15:18:55
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "pa0001"
down_revision = None
branch_labels = ("payments",)
# enrollment depends on content, which depends on courses, media and the kernel:
# naming them all makes alembic refuse "overlapping" targets on downgrade
depends_on = ("en0001",)


def upgrade() -> None:
    op.create_table(
        "payments_tax_rates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_payments_tax_rates_rate_bp")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_tax_rates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_tax_rates")),
        sa.UniqueConstraint(
            "tenant_id", "country", name=op.f("uq_payments_tax_rates_tenant_id_country")
        ),
    )
    with op.batch_alter_table("payments_tax_rates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_tax_rates_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payments_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_country", sa.String(length=2), nullable=True),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("tax_inclusive", sa.Boolean(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("gateway_reference", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.String(length=2000), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed', 'expired', 'cancelled', 'partially_refunded', 'refunded')",
            name=op.f("ck_payments_orders_status"),
        ),
        sa.CheckConstraint(
            "refunded_minor <= total_minor", name=op.f("ck_payments_orders_refunded")
        ),
        sa.CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0 AND refunded_minor >= 0",
            name=op.f("ck_payments_orders_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_orders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payments_orders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_orders")),
        sa.UniqueConstraint(
            "tenant_id", "number", name=op.f("uq_payments_orders_tenant_id_number")
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "idempotency_key",
            name=op.f("uq_payments_orders_tenant_id_user_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("payments_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_orders_tenant_gateway_reference",
            ["tenant_id", "gateway_reference"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_payments_orders_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_orders_tenant_status_created",
            ["tenant_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_payments_orders_tenant_status_expires",
            ["tenant_id", "status", "expires_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_payments_orders_tenant_user_created",
            ["tenant_id", "user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "payments_order_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("access_revoked_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('course', 'seats', 'plan')", name=op.f("ck_payments_order_items_kind")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_payments_order_items_quantity")),
        sa.CheckConstraint(
            "unit_price_minor >= 0 AND subtotal_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0 AND refunded_minor >= 0 AND refunded_minor <= total_minor AND discount_minor <= subtotal_minor",
            name=op.f("ck_payments_order_items_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_payments_order_items_course_id_courses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payments_orders.id"],
            name=op.f("fk_payments_order_items_order_id_payments_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_order_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_order_items")),
    )
    with op.batch_alter_table("payments_order_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_order_items_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_order_items_tenant_order", ["tenant_id", "order_id"], unique=False
        )

    op.create_table(
        "payments_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('payment', 'refund')", name=op.f("ck_payments_transactions_kind")
        ),
        sa.CheckConstraint(
            "status IN ('succeeded', 'pending', 'failed')",
            name=op.f("ck_payments_transactions_status"),
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_payments_transactions_amount_minor")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_payments_transactions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payments_orders.id"],
            name=op.f("fk_payments_transactions_order_id_payments_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_transactions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_transactions")),
    )
    with op.batch_alter_table("payments_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_transactions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_transactions_tenant_order_created",
            ["tenant_id", "order_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "payments_order_adjustments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "amount_minor >= 0", name=op.f("ck_payments_order_adjustments_amount_minor")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["payments_order_items.id"],
            name=op.f("fk_payments_order_adjustments_item_id_payments_order_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payments_orders.id"],
            name=op.f("fk_payments_order_adjustments_order_id_payments_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_order_adjustments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_order_adjustments")),
    )
    with op.batch_alter_table("payments_order_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_order_adjustments_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_order_adjustments_tenant_order", ["tenant_id", "order_id"], unique=False
        )

    op.create_table(
        "payments_seat_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("redeemed_by", sa.Uuid(), nullable=True),
        sa.Column("redeemed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('unused', 'redeemed', 'revoked')",
            name=op.f("ck_payments_seat_codes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_payments_seat_codes_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["payments_order_items.id"],
            name=op.f("fk_payments_seat_codes_item_id_payments_order_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payments_orders.id"],
            name=op.f("fk_payments_seat_codes_order_id_payments_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_by"],
            ["users.id"],
            name=op.f("fk_payments_seat_codes_redeemed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_seat_codes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments_seat_codes")),
        sa.UniqueConstraint(
            "tenant_id", "code", name=op.f("uq_payments_seat_codes_tenant_id_code")
        ),
    )
    with op.batch_alter_table("payments_seat_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_seat_codes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_seat_codes_tenant_order", ["tenant_id", "order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payments_seat_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_seat_codes_tenant_order")
        batch_op.drop_index(batch_op.f("ix_payments_seat_codes_tenant_id"))

    op.drop_table("payments_seat_codes")
    with op.batch_alter_table("payments_order_adjustments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_order_adjustments_tenant_order")
        batch_op.drop_index(batch_op.f("ix_payments_order_adjustments_tenant_id"))

    op.drop_table("payments_order_adjustments")
    with op.batch_alter_table("payments_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_transactions_tenant_order_created")
        batch_op.drop_index(batch_op.f("ix_payments_transactions_tenant_id"))

    op.drop_table("payments_transactions")
    with op.batch_alter_table("payments_order_items", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_order_items_tenant_order")
        batch_op.drop_index(batch_op.f("ix_payments_order_items_tenant_id"))

    op.drop_table("payments_order_items")
    with op.batch_alter_table("payments_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_orders_tenant_user_created")
        batch_op.drop_index("ix_payments_orders_tenant_status_expires")
        batch_op.drop_index("ix_payments_orders_tenant_status_created")
        batch_op.drop_index(batch_op.f("ix_payments_orders_tenant_id"))
        batch_op.drop_index("ix_payments_orders_tenant_gateway_reference")

    op.drop_table("payments_orders")
    with op.batch_alter_table("payments_tax_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_tax_rates_tenant_id"))

    op.drop_table("payments_tax_rates")
