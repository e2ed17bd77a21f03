"""certificates: initial (templates, certificates, signing keys)

Revision ID: ce0001
Revises:
Depends on: en0001 (enrollment; through it content, courses, media and the kernel)
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "ce0001"
down_revision = None
branch_labels = ("certificates",)
depends_on = ("en0001",)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "certificates_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signature_asset_id", sa.Uuid(), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("min_grade_percent", sa.Integer(), nullable=True),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "min_grade_percent IS NULL OR (min_grade_percent >= 0 AND min_grade_percent <= 10000)",
            name=op.f("ck_certificates_templates_min_grade_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificates_templates_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_certificates_templates_updated_by_users"),
            ondelete="SET NULL",
        ),
        _tenant_fk("certificates_templates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates_templates")),
        sa.UniqueConstraint(
            "tenant_id", "course_id", name=op.f("uq_certificates_templates_tenant_id_course_id")
        ),
    )
    with op.batch_alter_table("certificates_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_templates_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_templates_tenant_default",
            ["tenant_id"],
            unique=True,
            sqlite_where=sa.text("course_id IS NULL"),
            postgresql_where=sa.text("course_id IS NULL"),
        )

    op.create_table(
        "certificates_certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("learner_name", sa.String(length=200), nullable=False),
        sa.Column("course_title", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("issued_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revoked_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=False),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_by_id", sa.Uuid(), nullable=True),
        sa.Column("base_url", sa.String(length=200), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('valid', 'revoked', 'superseded')",
            name=op.f("ck_certificates_certificates_status"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificates_certificates_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_certificates_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_certificates_certificates_revoked_by_users"),
            ondelete="SET NULL",
        ),
        _tenant_fk("certificates_certificates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_certificates_code")),
    )
    with op.batch_alter_table("certificates_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_certificates_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_certificates_certificates_tenant_issued", ["tenant_id", "issued_at"], unique=False
        )
        batch_op.create_index(
            "ix_certificates_certificates_tenant_user", ["tenant_id", "user_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_certificates_one_valid",
            ["tenant_id", "course_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'valid'"),
            postgresql_where=sa.text("status = 'valid'"),
        )

    op.create_table(
        "certificates_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        _tenant_fk("certificates_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates_keys")),
    )
    with op.batch_alter_table("certificates_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_keys_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_keys_tenant_active",
            ["tenant_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )


def downgrade() -> None:
    op.drop_table("certificates_keys")
    op.drop_table("certificates_certificates")
    op.drop_table("certificates_templates")
