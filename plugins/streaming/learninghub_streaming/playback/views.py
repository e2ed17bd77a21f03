"""Views of the playback part (filled in below)."""

from __future__ import annotations
