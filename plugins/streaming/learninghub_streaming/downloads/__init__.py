"""The downloads part of the streaming plugin (docs/design/streaming-contracts.md, "downloads")."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
