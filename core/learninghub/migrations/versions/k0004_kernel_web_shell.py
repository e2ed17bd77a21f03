"""web shell: display prefs, translations, domain checks

Revision ID: k0004
Revises: k0003
Create Date: 2026-11-26 06:38:58.266430
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "k0004"
down_revision = "k0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resource_type", sa.String(length=60), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_translations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
        sa.UniqueConstraint(
            "tenant_id",
            "resource_type",
            "resource_id",
            "field",
            "locale",
            name=op.f("uq_translations_tenant_id_resource_type_resource_id_field_locale"),
        ),
    )
    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_translations_lookup", ["tenant_id", "resource_type", "resource_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_translations_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("tenant_domains", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified_by", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("verified_at", learninghub.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_checked_at", learninghub.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_error", sa.String(length=300), nullable=False, server_default="")
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("high_contrast", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("font_scale", sa.Integer(), nullable=False, server_default="100")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("font_scale")
        batch_op.drop_column("high_contrast")

    with op.batch_alter_table("tenant_domains", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("last_checked_at")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("verified_by")

    with op.batch_alter_table("translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_translations_tenant_id"))
        batch_op.drop_index("ix_translations_lookup")

    op.drop_table("translations")
