"""The captions part of the streaming plugin (docs/design/streaming-contracts.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
