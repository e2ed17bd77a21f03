"""``learninghub config ...`` (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click


@click.group()
def config() -> None:
    """Configuration management: stored secrets."""


@config.command("rotate-secrets")
@click.option("--dry-run", is_flag=True, help="Count what would be re-sealed; change nothing.")
@click.pass_context
def rotate_secrets_command(ctx, dry_run: bool) -> None:
    """Re-seal every stored secret with the newest key of secrets.keys.

    Rotation: prepend a new key to LEARNINGHUB_SECRETS_KEYS (keep the old one),
    restart, run this command, then remove the old key."""
    from .rotation import rotate_secrets

    # the root's Env; not pass_env, whose type check fails under `python -m learninghub.cli`
    # (the kernel module is then loaded twice, as __main__ and as learninghub.cli)
    env = ctx.find_root().obj
    with env.tenant_request(None) as request:
        report = rotate_secrets(request.registry, request.db, dry_run=dry_run)
    verb = "would re-seal" if dry_run else "re-sealed"
    click.echo(f"{verb} {report.rotated} secret(s); {report.current} already current")
    if report.failed:
        for where in report.failed:
            click.echo(f"cannot open: {where} (sealed with a key no longer listed)", err=True)
        raise click.ClickException(f"{len(report.failed)} secret(s) could not be opened")
