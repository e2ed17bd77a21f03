"""The playback part of the streaming plugin (docs/design/streaming-contracts.md, "playback")."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
