"""Per-tenant install, upgrade, uninstall and purge of the audit plugin."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from learninghub.plugins import InstallContext, Installer

from .models import AuditChainHead, AuditEvent
from .sealer import ensure_head, secret_of


class AuditInstaller(Installer):
    """The trail starts empty, with a signed chain head at seq 0.

    Disabling or uninstalling keeps the trail. Purging deletes it — an explicit,
    named operator action (``learninghub plugin purge audit --tenant SLUG`` or the
    plugins page, which asks for the name to be typed). On PostgreSQL the rows can
    only go through the ``SECURITY DEFINER`` function ``audit_purge_tenant``, which
    refuses while the plugin is still installed for the tenant and is executable by
    the schema owner only (unless an operator grants it)."""

    #: version -> step, run in order when a tenant upgrades past that version
    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Create the tenant's chain head (so that transactions can seal at commit
        without ever waiting to create it). Idempotent."""
        ensure_head(context.db, context.tenant.id, secret_of(context.registry))

    def purge(self, context: InstallContext) -> None:
        db = context.db
        tenant_id = context.tenant.id
        if db.get_bind().dialect.name == "postgresql":
            db.execute(sa.text("SELECT audit_purge_tenant(:tenant)"), {"tenant": tenant_id})
            return
        for model in (AuditEvent, AuditChainHead):
            table = model.__table__
            db.execute(table.delete().where(table.c.tenant_id == tenant_id))
