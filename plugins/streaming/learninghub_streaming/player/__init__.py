"""The player part of the streaming plugin (docs/design/streaming-contracts.md, "player";
docs/plugins/streaming-player.md): the lesson player in place of content's plain
``<video>``/``<audio>`` (hook ``content_media_player``), its script and the page routes
its script calls for bookmarks (the JSON API takes bearer tokens only; the page holds a
session cookie)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("streaming.player.bookmarks", "/streaming/player/streams/{id}/bookmarks")
    config.add_route("streaming.player.bookmark", "/streaming/player/bookmarks/{id}")
    config.scan(".bridge")
