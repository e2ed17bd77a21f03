"""The transcoding part of the streaming plugin (docs/design/streaming-contracts.md)."""

from __future__ import annotations

from . import tasks  # noqa: F401  (register the tasks)


def includeme(config) -> None:
    """Routes and views of this part (its API, the status panel's poll and form)."""
    from pathlib import Path

    from learninghub.web import ContentHashCacheBuster

    static = Path(__file__).resolve().parent.parent / "static"
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    config.add_static_view("static/streaming", str(static), cache_max_age=max_age)
    config.add_cache_buster(str(static) + "/", ContentHashCacheBuster(static))
    config.add_route("streaming.page.stream_status", "/streaming/streams/{id}/status")
    config.add_route("streaming.page.transcode", "/streaming/assets/{asset_id}/transcode")
    config.scan(".api")
    config.scan(".views")
