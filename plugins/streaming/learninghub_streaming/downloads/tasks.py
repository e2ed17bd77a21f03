"""Tasks of the downloads part."""

from __future__ import annotations

from learninghub.tasks import task

from . import services


@task(services.PREPARE_TASK, max_retries=3)
def prepare_download(request, stream_id: str) -> None:
    """Make the stream's offline file (idempotent: a made file is left alone, and a
    redelivered task after a lost worker starts again). Runs its own short
    transactions: the task's transaction stays unused while ffmpeg runs."""
    services.prepare(request.registry, request.tenant, stream_id)
