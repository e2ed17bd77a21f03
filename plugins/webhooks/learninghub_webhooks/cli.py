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


@webhooks.command()
@click.option("--dry-run", is_flag=True, help="count only, change nothing")
@pass_env
def reseal(env, dry_run: bool) -> None:
    """Seal the endpoints' signing secrets with the newest key of secrets.keys (after
    `learninghub config rotate-secrets`, before removing an old key)."""
    from learninghub.db import system_session

    from .secretstore import reseal_all

    with env.tenant_request(None) as request:
        report = reseal_all(env.registry, system_session(request.db), dry_run=dry_run)
    verb = "would reseal" if dry_run else "resealed"
    click.echo(f"{verb} {report.resealed}, already current {report.current}")
    for where in report.failed:
        click.echo(f"cannot open: {where}", err=True)
    if report.failed:
        raise SystemExit(1)
