"""``learninghub assessment close-expired [--tenant SLUG]`` (registered in the
plugin's ``cli.py``)."""

from __future__ import annotations

import click

from . import attempts
from .services import PLUGIN


def enabled_tenants(env) -> list[str]:
    return env.plugin_tenants(PLUGIN)


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
