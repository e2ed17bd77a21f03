"""Tables of the certificates plugin (prefix ``certificates_``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

STATUSES = ("valid", "revoked", "superseded")


class CertificateTemplate(TenantScoped, Base):
    """What a certificate says. ``course_id`` null: the tenant's default; otherwise
    one course's template (its fields override the default's when set) and its
    criteria (``min_grade_percent``). ``body`` is plain text with placeholders
    ``{learner_name}``, ``{course_title}``, ``{date}``, ``{grade}``, ``{tenant_name}``
    and the keys of ``custom_fields``."""

    __tablename__ = "certificates_templates"
    __table_args__ = (
        # one default per tenant and one template per course; NULLs are distinct in
        # a unique constraint, so the default gets its own partial index
        sa.UniqueConstraint("tenant_id", "course_id"),
        sa.Index(
            "uq_certificates_templates_tenant_default",
            "tenant_id",
            unique=True,
            sqlite_where=sa.text("course_id IS NULL"),
            postgresql_where=sa.text("course_id IS NULL"),
        ),
        sa.CheckConstraint(
            "min_grade_percent IS NULL OR (min_grade_percent >= 0 AND min_grade_percent <= 10000)",
            name="min_grade_percent",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), default=None
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    signer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signer_title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: a media image asset drawn on the PDF (no FK: media may be purged)
    signature_asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    #: [{"key": "hours", "label": "Hours", "value": "12"}], shown on the PDF
    custom_fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: course criteria: the minimum grade in hundredths of a percent (8050 = 80.50 %)
    min_grade_percent: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Certificate(TenantScoped, Base):
    """One issued certificate. At most one ``valid`` certificate per course and
    learner (partial unique index). Revoked and superseded ones stay, so their
    codes keep answering on the verification page. ``credential`` is the signed
    Open Badges credential exactly as served; ``template`` the template fields as
    they were at issue (the PDF is drawn from these snapshots, never from the live
    template or profile)."""

    __tablename__ = "certificates_certificates"
    __table_args__ = (
        sa.CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name="status"),
        sa.Index(
            "uq_certificates_certificates_one_valid",
            "tenant_id",
            "course_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status = 'valid'"),
            postgresql_where=sa.text("status = 'valid'"),
        ),
        sa.Index("ix_certificates_certificates_tenant_issued", "tenant_id", "issued_at"),
        sa.Index("ix_certificates_certificates_tenant_user", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    #: random 16-character slug, unique across tenants (public: /verify/{code})
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    learner_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    #: hundredths of a percent (8750 = 87.50 %), null without a grade
    grade: Mapped[int | None] = mapped_column(default=None)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(20), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    #: the certificate this one replaces (after a name change or an admin re-issue)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    #: the newer certificate when superseded
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    #: scheme://host[:port] the certificate's URLs and issuer DID were made for
    base_url: Mapped[str] = mapped_column(sa.String(200))
    credential: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    template: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class SigningKey(TenantScoped, Base):
    """A tenant's Ed25519 key. The private key is sealed with the kernel's secrets
    facility (``learninghub.secrets``); retired keys stay published so that old
    credentials keep verifying. One active key per tenant (partial unique index)."""

    __tablename__ = "certificates_keys"
    __table_args__ = (
        sa.Index(
            "uq_certificates_keys_tenant_active",
            "tenant_id",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    #: the DID URL fragment: did:web:<host>#<key_id>
    key_id: Mapped[str] = mapped_column(sa.String(64))
    #: raw 32-byte public key, base64url without padding
    public_key: Mapped[str] = mapped_column(sa.String(64))
    #: the raw private key (base64url), sealed: ``lhsec1:...``
    private_key: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
