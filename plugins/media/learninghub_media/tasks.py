"""Background tasks of the media plugin: thumbnails."""

from __future__ import annotations
