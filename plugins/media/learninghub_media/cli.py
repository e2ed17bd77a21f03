"""Command line: ``learninghub media purge-uploads|describe [--tenant SLUG]``.

Unfinished tus uploads past their expiry are purged when their tenant next creates an
upload; ``purge-uploads`` purges them everywhere (run it from cron, e.g. hourly), so
that a tenant that stopped uploading does not keep stale chunks.

``describe`` records the duration (and picture size) of audio and video assets that
have none and queues the poster of videos that have none: assets uploaded before
ffmpeg probed every type, or while it was missing. Run it once after upgrading; it
is idempotent.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from learninghub.cli import Env, FriendlyGroup, pass_env

PLUGIN = "media"


@click.group(cls=FriendlyGroup)
def media() -> None:
    """Media assets: maintenance."""


def media_tenants(env: Env) -> list[str]:
    """Slugs of the tenants that have the plugin installed (enabled or not)."""
    return env.plugin_tenants(PLUGIN, enabled_only=False)


@media.command("purge-uploads")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def purge_uploads(env: Env, slug: str | None) -> None:
    """Delete expired unfinished uploads and their chunks."""
    from .tus import purge_expired

    total = 0
    for tenant_slug in [slug] if slug else media_tenants(env):
        with env.tenant_request(tenant_slug) as request:
            purged = purge_expired(request, limit=None)
        total += purged
        click.echo(f"{tenant_slug}: {purged} expired upload(s) purged")
    click.echo(f"total: {total}")


def describe_missing(request) -> tuple[int, int]:
    """Probe the tenant's ready audio and video without a duration and queue a poster
    for its videos without one; return ``(probed, posters queued)``."""
    from learninghub.interfaces import IFileStorage

    from .ffmpeg import DEMUXERS
    from .ingest import POSTER_TASK, describe, local_copy
    from .models import MediaAsset
    from .sniff import kind_of

    assets = request.db.scalars(
        sa.select(MediaAsset)
        .where(
            MediaAsset.status == "ready",
            MediaAsset.content_type.in_(sorted(DEMUXERS)),
            sa.or_(MediaAsset.duration_s.is_(None), MediaAsset.poster_key == ""),
        )
        .order_by(MediaAsset.created_at)
    ).all()
    storage = request.find_service(IFileStorage)
    probed = posters = 0
    for asset in assets:
        video = kind_of(asset.content_type) == "video"
        if asset.duration_s is None:
            try:
                with local_copy(storage, request.tenant.id, asset.storage_key) as path:
                    describe(asset, path)
            except KeyError:  # no stored bytes: nothing to read
                continue
            probed += 1
        if video and not asset.poster_key:
            request.tasks.enqueue(POSTER_TASK, asset_id=str(asset.id))
            posters += 1
    request.db.flush()
    return probed, posters


@media.command("describe")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@pass_env
def describe_assets(env: Env, slug: str | None) -> None:
    """Record missing durations and make missing video posters."""
    for tenant_slug in [slug] if slug else media_tenants(env):
        with env.tenant_request(tenant_slug) as request:
            probed, posters = describe_missing(request)
        click.echo(f"{tenant_slug}: {probed} asset(s) probed, {posters} poster(s) queued")
