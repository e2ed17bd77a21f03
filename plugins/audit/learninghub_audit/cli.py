"""Command line: ``learninghub audit verify|seal|retention``.

The click group is declared under the kernel's entry point group ``learninghub.cli``
(name ``audit``). ``python -m learninghub_audit verify ...`` runs the same commands
without the rest of the kernel CLI. Both take the kernel's ``--config`` (or
``LEARNINGHUB_CONFIG``).

Exit status of ``verify``: 0 when every chain checked is intact, 1 when one is
broken (the first broken link is printed), 2 for usage and configuration errors.
"""

from __future__ import annotations

import json

import click

from learninghub.cli import Env, FriendlyGroup, pass_env

from .retention import RetentionRefused, apply_retention
from .sealer import seal_pending, secret_of
from .verify import VerifyResult, verify_chain

PLUGIN = "audit"


def audited_tenants(env: Env, *, enabled_only: bool = False) -> list[str]:
    """Slugs of the tenants that have the plugin installed (enabled or not: a
    disabled plugin's trail is kept and can still be checked)."""
    return env.plugin_tenants(PLUGIN, enabled_only=enabled_only)


def check_tenant(env: Env, slug: str) -> VerifyResult:
    """Seal (one short transaction), then verify (another) one tenant's chain."""
    secret = secret_of(env.registry)
    with env.tenant_request(slug) as request:
        seal_pending(request.db, request.tenant.id, secret)
    with env.tenant_request(slug) as request:
        return verify_chain(request.db, request.tenant.id, secret)


def describe(slug: str, result: VerifyResult) -> str:
    if result.ok:
        span = (
            f"{result.checked} rows (seq {result.first_seq}-{result.last_seq}), "
            f"last hash {result.last_hash}"
            if result.checked
            else "no sealed rows"
        )
        return f"{slug}: OK: {span}; {result.checkpoints} checkpoints; {result.pending} pending"
    broken = result.broken
    assert broken is not None
    row = f" (row {broken.row_id})" if broken.row_id else ""
    return f"{slug}: BROKEN at seq {broken.seq}: {broken.reason}{row}"


@click.group("audit")
def audit() -> None:
    """Audit trail: check the hash chains, seal pending rows, apply retention."""


@audit.command("verify")
@click.option("--tenant", "slug", default=None, help="one tenant (default: every audited one)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per tenant")
@pass_env
@click.pass_context
def verify_command(ctx, env: Env, slug: str | None, as_json: bool) -> None:
    """Check the hash chain of each tenant; report the first broken link."""
    slugs = [slug] if slug else audited_tenants(env)
    broken = 0
    for name in slugs:
        result = check_tenant(env, name)
        broken += 0 if result.ok else 1
        if as_json:
            click.echo(json.dumps({"tenant": name, **result.as_dict()}, sort_keys=True))
        else:
            click.echo(describe(name, result))
    if not slugs and not as_json:
        click.echo("no tenant has the audit plugin installed")
    if broken:
        ctx.exit(1)


@audit.command("seal")
@click.option("--tenant", "slug", default=None, help="one tenant (default: every audited one)")
@pass_env
def seal_command(env: Env, slug: str | None) -> None:
    """Chain pending rows now (normally done when their transaction commits)."""
    secret = secret_of(env.registry)
    for name in [slug] if slug else audited_tenants(env):
        with env.tenant_request(name) as request:
            result = seal_pending(request.db, request.tenant.id, secret)
        click.echo(f"{name}: sealed {result.sealed}; head seq {result.last_seq}")


@audit.command("retention")
@click.option("--tenant", "slug", default=None, help="one tenant (default: every enabled one)")
@pass_env
@click.pass_context
def retention_command(ctx, env: Env, slug: str | None) -> None:
    """Summarise expired rows into a signed checkpoint and remove them (run it
    daily from cron; the sealer also queues it about once a day)."""
    refused = 0
    for name in [slug] if slug else audited_tenants(env, enabled_only=True):
        try:
            with env.tenant_request(name) as request:
                result = apply_retention(request)
        except RetentionRefused as exc:
            refused += 1
            click.echo(f"{name}: {exc}", err=True)
            continue
        if result.removed:
            click.echo(
                f"{name}: removed {result.removed} rows (up to seq {result.through_seq}) "
                f"into checkpoint seq {result.checkpoint_seq}"
            )
        else:
            click.echo(f"{name}: nothing has expired")
    if refused:
        ctx.exit(1)


@click.group(cls=FriendlyGroup)
@click.option(
    "--config",
    "config_path",
    envvar="LEARNINGHUB_CONFIG",
    default="development.ini",
    show_default=True,
    help="ini file (or LEARNINGHUB_CONFIG)",
)
@click.pass_context
def main(ctx, config_path: str) -> None:
    """Learning Hub audit trail (the same commands as `learninghub audit ...`)."""
    ctx.obj = Env(config_path)


for _name, _command in audit.commands.items():
    main.add_command(_command, _name)
