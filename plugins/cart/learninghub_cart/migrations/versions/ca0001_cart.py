"""cart: initial (cart_carts, cart_items)

Revision ID: ca0001
Revises:
Depends on: pa0001 (payments; through it enrollment, content, courses, media and the kernel)
Create Date: 2026-11-26 15:40:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "ca0001"
down_revision = None
branch_labels = ("cart",)
# payments depends on enrollment, which depends on the rest: naming them all makes
# alembic refuse "overlapping" targets on downgrade
depends_on = ("pa0001",)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "cart_carts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("abandoned_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cart_carts_user_id_users"),
            ondelete="CASCADE",
        ),
        _tenant_fk("cart_carts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_carts")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_cart_carts_tenant_id_user_id")),
    )
    op.create_index(op.f("ix_cart_carts_tenant_id"), "cart_carts", ["tenant_id"])
    op.create_index(op.f("ix_cart_carts_user_id"), "cart_carts", ["user_id"])
    op.create_index(op.f("ix_cart_carts_updated_at"), "cart_carts", ["updated_at"])
    op.create_table(
        "cart_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cart_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_at_add_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("added_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "quantity >= 1 AND quantity <= 1000", name=op.f("ck_cart_items_quantity")
        ),
        sa.CheckConstraint("price_at_add_minor >= 0", name=op.f("ck_cart_items_price")),
        sa.ForeignKeyConstraint(
            ["cart_id"],
            ["cart_carts.id"],
            name=op.f("fk_cart_items_cart_id_cart_carts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_cart_items_course_id_courses"),
            ondelete="CASCADE",
        ),
        _tenant_fk("cart_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_items")),
        sa.UniqueConstraint("cart_id", "course_id", name=op.f("uq_cart_items_cart_id_course_id")),
    )
    op.create_index(op.f("ix_cart_items_tenant_id"), "cart_items", ["tenant_id"])
    op.create_index(op.f("ix_cart_items_course_id"), "cart_items", ["course_id"])


def downgrade() -> None:
    op.drop_table("cart_items")
    op.drop_table("cart_carts")
