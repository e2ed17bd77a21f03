"""``learninghub webhooks ...`` (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import time

import click

from learninghub.cli import pass_env


@click.group()
def webhooks() -> None:
    """Outbound webhooks."""


@webhooks.command()
@click.option("--tenant", "slug", default=None, help="only this tenant (default: every tenant)")
@click.option("--limit", default=100, show_default=True, help="deliveries per tenant and round")
@click.option(
    "--every",
    "every",
    type=float,
    default=None,
    help="keep running, one round every SECONDS (default: one round, then exit)",
)
@pass_env
def dispatch(env, slug: str | None, limit: int, every: float | None) -> None:
    """Send the deliveries whose next attempt is due (retries, and deliveries left
    pending by a process that stopped). Run it every minute."""
    from .tasks import dispatch_due

    if slug is not None:
        info = env.registry["tenancy.resolver"].by_slug(slug)
        if info is None:
            raise click.ClickException(f"unknown tenant {slug!r}")
        if not info.is_enabled("webhooks"):
            raise click.ClickException(f"webhooks is not enabled for tenant {slug!r}")
    while True:
        count = dispatch_due(env.registry, slug=slug, limit=limit)
        click.echo(f"{count} deliveries dispatched")
        if every is None:
            return
        time.sleep(every)
