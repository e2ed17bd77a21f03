"""The playback part of the streaming plugin (docs/design/streaming-contracts.md,
"playback"; docs/plugins/streaming-playback.md): signed expiring HLS URLs, playlists
rewritten when served, the key endpoint, subtitle renditions and the multi-DRM
interface."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("streaming.hls", "/streaming/hls/{scope}/{stream_id}/{exp}/{sig}/{path:.*}")
    config.add_route("streaming.key", "/streaming/keys/{stream_id}")
    config.scan(".views")
