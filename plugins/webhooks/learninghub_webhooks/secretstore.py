"""The signing secrets at rest: sealed with the kernel's secret box
(:mod:`learninghub.secrets`: Fernet with ``secrets.keys``, or Vault transit), opened
only to sign a request. Values written before sealing existed (plain ``whsec_...``)
are still read, and sealed by ``learninghub webhooks reseal``."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from learninghub.db import bind_tenant
from learninghub.secrets import SecretError, is_token, secret_box
from learninghub.tenancy import Tenant

from .models import Endpoint


def seal(registry, plain: str) -> str:
    return secret_box(registry).seal(plain)


def reveal(registry, stored: str) -> str:
    """The plain secret; raises :class:`learninghub.secrets.SecretError` when the
    token cannot be opened (a key removed from ``secrets.keys`` too early)."""
    return secret_box(registry).open(stored) if is_token(stored) else stored


@dataclass
class ResealReport:
    resealed: int = 0
    current: int = 0
    #: "tenant/endpoint id" of secrets that could not be opened
    failed: list[str] = field(default_factory=list)


def reseal_all(registry, session, dry_run: bool = False) -> ResealReport:
    """Seal plain secrets and re-seal tokens not sealed by the newest key, tenant by
    tenant (so that PostgreSQL row-level security shows the rows). The caller
    commits. Run it after ``learninghub config rotate-secrets`` and before removing
    an old key from ``secrets.keys``."""
    box = secret_box(registry)
    report = ResealReport()
    tenants = session.execute(sa.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all()
    for tenant_id, slug in tenants:
        bind_tenant(session, tenant_id)
        for endpoint in session.scalars(sa.select(Endpoint).order_by(Endpoint.created_at)):
            stored = endpoint.secret
            try:
                if is_token(stored):
                    box.open(stored)
                    if not box.needs_rotation(stored):
                        report.current += 1
                        continue
                    new = box.rotate(stored)
                else:
                    new = box.seal(stored)
            except SecretError:
                report.failed.append(f"{slug}/{endpoint.id}")
                continue
            report.resealed += 1
            if not dry_run:
                endpoint.secret = new
        session.flush()
    return report
