"""``learninghub config ...`` (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click

from learninghub.cli import pass_env


@click.group()
def config() -> None:
    """Configuration management: stored secrets."""


@config.command("rotate-secrets")
@click.option("--dry-run", is_flag=True, help="Count what would be re-sealed; change nothing.")
@pass_env
def rotate_secrets_command(env, dry_run: bool) -> None:
    """Re-seal every stored secret with the newest key of secrets.keys.

    Rotation: prepend a new key to LEARNINGHUB_SECRETS_KEYS (keep the old one),
    restart, run this command, then remove the old key."""
    from .rotation import rotate_secrets

    with env.tenant_request(None) as request:
        report = rotate_secrets(request.registry, request.db, dry_run=dry_run)
    verb = "would re-seal" if dry_run else "re-sealed"
    click.echo(f"{verb} {report.rotated} secret(s); {report.current} already current")
    if report.failed:
        for where in report.failed:
            click.echo(f"cannot open: {where} (sealed with a key no longer listed)", err=True)
        raise click.ClickException(f"{len(report.failed)} secret(s) could not be opened")
