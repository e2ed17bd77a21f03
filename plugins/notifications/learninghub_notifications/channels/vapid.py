"""The tenant's VAPID key pair (RFC 8292): the application server's identity towards
the browsers' push services.

Each tenant has one EC P-256 key pair, made when the plugin is installed for it (or,
for a tenant installed before, on first use). The public key is what the page gives
``pushManager.subscribe`` as ``applicationServerKey`` (``GET
/api/v1/notifications/vapid-public-key``); the private key signs the short-lived JWT
of every push request and is stored sealed by the kernel's secret box
(:mod:`learninghub.secrets`), opened only to sign. Browsers bind a subscription to the
public key, so the pair is never replaced behind the subscribers' backs: a new pair
would make every existing subscription fail.

Key rotation of the secret box (``learninghub config rotate-secrets``) does not know
this table: :func:`reseal_all` re-seals the private keys with the newest key.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, bind_tenant, new_id, utcnow
from learninghub.secrets import SecretError, secret_box
from learninghub.tenancy import Tenant


class VapidKey(TenantScoped, Base):
    """One tenant's VAPID key pair; the private key is a sealed PKCS#8 PEM."""

    __tablename__ = "notifications_vapid_keys"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    #: base64url (no padding) of the uncompressed P-256 point: the applicationServerKey
    public_key: Mapped[str] = mapped_column(sa.String(100))
    #: sealed token (learninghub.secrets) of the private key's PKCS#8 PEM
    private_key: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (ValueError when it is not)."""
    if not isinstance(text, str) or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def public_key_text(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


@dataclass(frozen=True)
class KeyPair:
    """An opened key pair, for signing."""

    public_key: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)


def _row(session) -> VapidKey | None:
    return session.scalar(sa.select(VapidKey))


def ensure_keys(registry, session) -> VapidKey:
    """The tenant's key row, made now when it has none. ``session`` is bound to the
    tenant. Two first uses at once make one pair: the loser of the unique
    constraint reads the winner's row."""
    row = _row(session)
    if row is not None:
        return row
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    candidate = VapidKey(
        public_key=public_key_text(private_key), private_key=secret_box(registry).seal(pem)
    )
    try:
        with session.begin_nested():
            session.add(candidate)
    except IntegrityError:
        row = _row(session)
        if row is None:  # pragma: no cover - the constraint names this tenant's row
            raise
        return row
    return candidate


def public_key(request) -> str:
    """The tenant's applicationServerKey (base64url, 65 bytes uncompressed)."""
    return ensure_keys(request.registry, request.db).public_key


def key_pair(request) -> KeyPair:
    """The tenant's opened key pair (raises :class:`learninghub.secrets.SecretError`
    when the private key cannot be opened: a key removed from ``secrets.keys``)."""
    row = ensure_keys(request.registry, request.db)
    pem = secret_box(request.registry).open(row.private_key)
    private_key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):  # pragma: no cover
        raise SecretError("the stored VAPID key is not an EC key")
    return KeyPair(row.public_key, private_key)


@dataclass
class ResealReport:
    resealed: int = 0
    current: int = 0
    #: slugs of the tenants whose key could not be opened
    failed: list[str] = field(default_factory=list)


def reseal_all(registry, session, dry_run: bool = False) -> ResealReport:
    """Re-seal every tenant's private key with the secret box's newest key, tenant by
    tenant (so PostgreSQL row-level security shows the rows); the caller commits.
    Run it after ``learninghub config rotate-secrets`` and before removing the old
    key from ``secrets.keys``."""
    box = secret_box(registry)
    report = ResealReport()
    tenants = session.execute(sa.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all()
    for tenant_id, slug in tenants:
        bind_tenant(session, tenant_id)
        row = _row(session)
        if row is None:
            continue
        try:
            box.open(row.private_key)
            if not box.needs_rotation(row.private_key):
                report.current += 1
                continue
            sealed = box.rotate(row.private_key)
        except SecretError:
            report.failed.append(slug)
            continue
        report.resealed += 1
        if not dry_run:
            row.private_key = sealed
        session.flush()
    bind_tenant(session, None)
    return report
