"""Command line: ``learninghub cart sweep [--tenant SLUG]``, for cron.

Marks the carts left untouched for the tenant's ``abandoned_after_minutes`` abandoned
(event ``cart.cart.abandoned``, once per cart change) and queues the reminder emails
that are due but were never sent (a delayed task lost with its process). One
transaction per tenant.
"""

from __future__ import annotations

import click

from learninghub.cli import Env, pass_env

from . import services


def cart_tenants(env: Env) -> list[str]:
    return env.plugin_tenants(services.PLUGIN)


@click.group()
def cart():
    """Shopping carts: abandonment sweep."""


@cart.command()
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def sweep(env: Env, slug: str | None) -> None:
    """Mark abandoned carts and queue the reminders that are due."""
    slugs = [slug] if slug else cart_tenants(env)
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(services.PLUGIN):
                raise click.ClickException(f"the cart plugin is not enabled for {one!r}")
            abandoned, reminders = services.sweep(request)
        click.echo(f"{one}: {abandoned} abandoned, {reminders} reminders queued")
