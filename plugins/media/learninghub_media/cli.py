"""Command line: ``learninghub media purge-uploads [--tenant SLUG]``.

Unfinished tus uploads past their expiry are purged when their tenant next creates an
upload; this command purges them everywhere (run it from cron, e.g. hourly), so that
a tenant that stopped uploading does not keep stale chunks.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from learninghub.cli import Env, FriendlyGroup, pass_env
from learninghub.db import system_session
from learninghub.tenancy import Tenant, TenantPlugin

PLUGIN = "media"


@click.group(cls=FriendlyGroup)
def media() -> None:
    """Media assets: maintenance."""


def media_tenants(env: Env) -> list[str]:
    """Slugs of the tenants that have the plugin installed (enabled or not)."""
    with env.tenant_request(None) as request:
        db = system_session(request.db)
        return list(
            db.scalars(
                sa.select(Tenant.slug)
                .join(TenantPlugin, TenantPlugin.tenant_id == Tenant.id)
                .where(TenantPlugin.plugin == PLUGIN)
                .order_by(Tenant.slug)
            )
        )


@media.command("purge-uploads")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def purge_uploads(env: Env, slug: str | None) -> None:
    """Delete expired unfinished uploads and their chunks."""
    from .tus import purge_expired

    total = 0
    for tenant_slug in [slug] if slug else media_tenants(env):
        with env.tenant_request(tenant_slug) as request:
            purged = purge_expired(request, limit=None)
        total += purged
        click.echo(f"{tenant_slug}: {purged} expired upload(s) purged")
    click.echo(f"total: {total}")
