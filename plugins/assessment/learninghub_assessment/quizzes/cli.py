"""``learninghub assessment close-expired [--tenant SLUG]`` (registered in the
plugin's ``cli.py``)."""

from __future__ import annotations

import click
import sqlalchemy as sa

from learninghub.db import system_session
from learninghub.tenancy import Tenant, TenantPlugin

from . import attempts
from .services import PLUGIN


def enabled_tenants(env) -> list[str]:
    with env.tenant_request(None) as request:
        db = system_session(request.db)
        return list(
            db.scalars(
                sa.select(Tenant.slug)
                .join(TenantPlugin, TenantPlugin.tenant_id == Tenant.id)
                .where(TenantPlugin.plugin == PLUGIN, TenantPlugin.enabled.is_(True))
                .order_by(Tenant.slug)
            )
        )


def close_expired_command(env, slug: str | None) -> None:
    slugs = [slug] if slug else enabled_tenants(env)
    total = 0
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(PLUGIN):
                raise click.ClickException(f"the assessment plugin is not enabled for {one!r}")
            count = attempts.close_expired(request)
        click.echo(f"{one}: {count} attempts closed")
        total += count
    click.echo(f"total: {total} attempts closed")
