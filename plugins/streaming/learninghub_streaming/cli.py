"""``learninghub streaming ...`` commands (entry point group ``learninghub.cli``), for
cron (docs/operations.md)."""

from __future__ import annotations

import click

from learninghub.cli import Env, pass_env

PLUGIN = "streaming"


@click.group(help="Video and audio streams: transcoding, captions.")
def streaming() -> None:
    pass


@streaming.command("requeue-stale")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@click.option(
    "--queued-minutes",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="A stream queued for longer than this lost its task message: queue it again.",
)
@pass_env
def requeue_stale(env: Env, slug: str | None, queued_minutes: int) -> None:
    """Queue again the transcodes (and offline-download preparations) whose worker was
    lost: ``processing`` with no progress written for five minutes, or ``queued`` for
    longer than ``--queued-minutes`` (one transaction per tenant). The transcode is crash-safe, so a stream whose worker is in
    fact alive but slow loses nothing: the older attempt finds the row taken and
    discards its own files."""
    from .downloads.services import requeue_stale as sweep_downloads
    from .transcoding.services import requeue_stale as sweep

    slugs = [slug] if slug else env.plugin_tenants(PLUGIN)
    total = 0
    for one in slugs:
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(PLUGIN):
                raise click.ClickException(f"the streaming plugin is not enabled for {one!r}")
            count = sweep(request, queued_seconds=queued_minutes * 60)
            downloads = sweep_downloads(request, queued_seconds=queued_minutes * 60)
        click.echo(f"{one}: {count} requeued, {downloads} downloads requeued")
        total += count
    click.echo(f"total: {total} requeued")
