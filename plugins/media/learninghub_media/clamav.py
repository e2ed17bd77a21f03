"""ClamAV scanning through clamd's INSTREAM command."""

from __future__ import annotations

from learninghub.hookspecs import hookimpl


@hookimpl
def learninghub_media_scan(request, asset, path):
    return None
