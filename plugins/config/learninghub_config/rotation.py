"""Re-seal every stored secret with the newest key (``learninghub config rotate-secrets``).

Walks, tenant by tenant (so PostgreSQL row-level security shows the rows), the
kernel's ``tenant_plugins.settings`` and this plugin's settings history, and
re-seals every token (:func:`learninghub.secrets.is_token`) that the newest key did
not seal. It reads no schema: a token is found wherever it is, even for plugins
that are no longer installed. Values are never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from learninghub.db import bind_tenant
from learninghub.secrets import SecretBox, SecretError, is_token, secret_box
from learninghub.tenancy import Tenant, TenantPlugin

from .models import SettingsVersion


@dataclass
class RotationReport:
    rotated: int = 0
    current: int = 0
    #: where a token could not be opened: "tenant/plugin[/version N]/field"
    failed: list[str] = field(default_factory=list)


def _walk(box: SecretBox, value: Any, where: str, report: RotationReport, dry_run: bool) -> Any:
    if isinstance(value, dict):
        return {k: _walk(box, v, f"{where}/{k}", report, dry_run) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(box, v, f"{where}/{i}", report, dry_run) for i, v in enumerate(value)]
    if not is_token(value):
        return value
    try:
        box.open(value)  # also in a dry run: report what cannot be opened
        if not box.needs_rotation(value):
            report.current += 1
            return value
        rotated = value if dry_run else box.rotate(value)
    except SecretError:
        report.failed.append(where)
        return value
    report.rotated += 1
    return rotated


def rotate_secrets(registry, session, dry_run: bool = False) -> RotationReport:
    """Re-seal every stored token with the newest key; the caller commits."""
    box = secret_box(registry)
    report = RotationReport()
    tenants = session.execute(sa.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)).all()
    for tenant_id, slug in tenants:
        bind_tenant(session, tenant_id)
        for record in session.scalars(sa.select(TenantPlugin)):
            new = _walk(box, record.settings or {}, f"{slug}/{record.plugin}", report, dry_run)
            if new != record.settings:
                record.settings = new
        for row in session.scalars(sa.select(SettingsVersion)):
            where = f"{slug}/{row.plugin}/version {row.version}"
            new = _walk(box, row.values or {}, where, report, dry_run)
            if new != row.values:
                row.values = new
        session.flush()
    bind_tenant(session, None)
    registry["tenancy.resolver"].invalidate()
    return report
