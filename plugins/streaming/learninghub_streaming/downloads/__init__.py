"""The downloads part of the streaming plugin (docs/design/streaming-contracts.md,
"downloads and bookmarks"; docs/plugins/streaming-downloads.md): the offline download
(an MP4 or MP3 made from the upload, on signed links, counted) and bookmarks."""

from __future__ import annotations

from . import tasks  # noqa: F401  (register the tasks)


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route(
        "streaming.download.file", "/streaming/downloads/{scope}/{stream_id}/{exp}/{sig}/{filename}"
    )
    config.add_route("streaming.page.download", "/streaming/streams/{id}/download")
    config.add_route("streaming.page.offline", "/streaming/streams/{id}/offline")
    config.scan(".api")
    config.scan(".views")
