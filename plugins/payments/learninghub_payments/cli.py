"""``learninghub payments ...`` commands (entry point group ``learninghub.cli``), for
cron: the kernel has no periodic scheduler, and the in-process back end loses the
delayed expiry tasks when the process stops."""

from __future__ import annotations

import click

from learninghub.cli import Env, pass_env

PLUGIN = "payments"


def selling_tenants(env: Env) -> list[str]:
    """Slugs of the tenants that have the plugin enabled."""
    return env.plugin_tenants(PLUGIN)


@click.group(help="Orders, refunds and subscriptions.")
def payments() -> None:
    pass


@payments.command("expire-orders")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def expire_orders(env: Env, slug: str | None) -> None:
    """Expire unpaid orders whose time is up, releasing their coupon holds (one
    transaction per tenant)."""
    from .orders.settlement import expire_due

    slugs = [slug] if slug else selling_tenants(env)
    total = 0
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(PLUGIN):
                raise click.ClickException(f"the payments plugin is not enabled for {one!r}")
            count = expire_due(request)
        click.echo(f"{one}: {count} expired")
        total += count
    click.echo(f"total: {total} expired")
