"""Tasks of the transcoding part."""

from __future__ import annotations

from learninghub import inbox
from learninghub.tasks import task

from . import services


@task(services.TRANSCODE_TASK, max_retries=3)
def transcode(request, stream_id: str) -> None:
    """Transcode one stream (idempotent: a ready stream is left alone; a redelivered
    task after a lost worker starts a new attempt). Runs its own short transactions:
    the task's transaction stays unused while ffmpeg runs."""
    services.transcode(request.registry, request.tenant, stream_id)


@task(services.INBOX_TASK)
def asset_ready(request, event_id: str) -> None:
    """A kept ``media.asset.uploaded`` event: create and queue the asset's stream."""
    inbox.process(request, services.INBOX_CONSUMER, event_id, services.on_asset_ready)
