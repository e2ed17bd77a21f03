"""The captions part of the streaming plugin (docs/design/streaming-contracts.md,
docs/plugins/streaming-captions.md): WebVTT tracks per language and kind, SRT
converted, the transcript editor and the accessibility warning."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("streaming.captions.vtt", "/captions/{id}.vtt")
    config.add_route("streaming.page.captions", "/teach/media/{asset_id}/captions")
    config.add_route("streaming.page.caption", "/teach/media/{asset_id}/captions/{id}")
    config.add_route(
        "streaming.page.caption_delete", "/teach/media/{asset_id}/captions/{id}/delete"
    )
    config.scan(".api")
    config.scan(".views")
