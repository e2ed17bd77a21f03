"""Command line: ``learninghub enrollment expire [--tenant SLUG]`` (for cron: the
kernel has no periodic scheduler yet)."""

from __future__ import annotations

import click

from learninghub.cli import Env, pass_env

from . import services


def enrolling_tenants(env: Env) -> list[str]:
    """Slugs of the tenants that have the plugin enabled."""
    return env.plugin_tenants(services.PLUGIN)


@click.group()
def enrollment():
    """Enrolments: expiry."""


@enrollment.command()
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def expire(env: Env, slug: str | None) -> None:
    """Mark lapsed enrolments expired (one transaction per tenant)."""
    slugs = [slug] if slug else enrolling_tenants(env)
    total = 0
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(services.PLUGIN):
                raise click.ClickException(f"the enrollment plugin is not enabled for {one!r}")
            count = services.expire_lapsed(request.db)
        click.echo(f"{one}: {count} expired")
        total += count
    click.echo(f"total: {total} expired")
