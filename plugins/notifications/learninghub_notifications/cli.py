"""``learninghub notifications ...``: the plugin's commands. The digest channel adds
``digest`` to this group (``channels/digest.py`` decorates ``@notifications.command``;
it is imported below when present)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import click

from learninghub.cli import Env, pass_env


@click.group(help="Notifications: deliveries and digests.")
def notifications() -> None:
    pass


def enabled_tenants(env) -> list[str]:
    """Slugs of the tenants with the notifications plugin enabled."""
    return env.plugin_tenants("notifications")


@notifications.command("retry-deliveries")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@click.option(
    "--older-than",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Minutes a delivery has been pending.",
)
@pass_env
def retry_deliveries(env: Env, slug: str | None, older_than: int) -> None:
    """Queue again the email and push deliveries left pending (a task lost with a
    stopped worker). For cron, e.g. every 10 minutes."""
    from .fanout import requeue_pending

    total = 0
    for one in [slug] if slug else enabled_tenants(env):
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled("notifications"):
                raise click.ClickException(f"the notifications plugin is not enabled for {one!r}")
            count = requeue_pending(request, timedelta(minutes=older_than))
        click.echo(f"{one}: {count} queued again")
        total += count
    click.echo(f"total: {total} queued again")


@notifications.command("reseal-vapid")
@click.option("--dry-run", is_flag=True, help="Count only, change nothing.")
@pass_env
def reseal_vapid(env: Env, dry_run: bool) -> None:
    """Seal the tenants' VAPID private keys (web push) with the newest key of
    secrets.keys: after `learninghub config rotate-secrets`, before removing an old key."""
    from learninghub.db import system_session

    from .channels.vapid import reseal_all

    with env.tenant_request(None) as request:
        report = reseal_all(env.registry, system_session(request.db), dry_run=dry_run)
    verb = "would reseal" if dry_run else "resealed"
    click.echo(f"{verb} {report.resealed}, already current {report.current}")
    for slug in report.failed:
        click.echo(f"cannot open the VAPID key of {slug}", err=True)
    if report.failed:
        raise SystemExit(1)


# the digest channel's commands attach themselves to the group at import
try:
    importlib.import_module("learninghub_notifications.channels.digest")
except ModuleNotFoundError as exc:
    if exc.name != "learninghub_notifications.channels.digest":
        raise
