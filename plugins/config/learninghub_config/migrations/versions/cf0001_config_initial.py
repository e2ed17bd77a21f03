"""config: initial

Revision ID: cf0001
Revises:
Depends on: k0004 (kernel)
Create Date: 2026-11-26 06:55:57.266767
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "cf0001"
down_revision = None
branch_labels = ("config",)
depends_on = "k0004"


def upgrade() -> None:
    op.create_table(
        "config_flag_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flag_key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_label", sa.String(length=254), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('created', 'updated', 'deleted')",
            name=op.f("ck_config_flag_versions_action"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_config_flag_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_config_flag_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_flag_versions")),
        sa.UniqueConstraint(
            "tenant_id",
            "flag_key",
            "version",
            name=op.f("uq_config_flag_versions_tenant_id_flag_key_version"),
        ),
    )
    with op.batch_alter_table("config_flag_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_config_flag_versions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "config_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("percentage", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "percentage >= 0 AND percentage <= 100", name=op.f("ck_config_flags_percentage")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_config_flags_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_config_flags_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_flags")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_config_flags_tenant_id_key")),
    )
    with op.batch_alter_table("config_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_flags_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "config_settings_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plugin", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=300), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_label", sa.String(length=254), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_config_settings_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_config_settings_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_settings_versions")),
        sa.UniqueConstraint(
            "tenant_id",
            "plugin",
            "version",
            name=op.f("uq_config_settings_versions_tenant_id_plugin_version"),
        ),
    )
    with op.batch_alter_table("config_settings_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_config_settings_versions_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("config_settings_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_settings_versions_tenant_id"))

    op.drop_table("config_settings_versions")
    with op.batch_alter_table("config_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_flags_tenant_id"))

    op.drop_table("config_flags")
    with op.batch_alter_table("config_flag_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_flag_versions_tenant_id"))

    op.drop_table("config_flag_versions")
