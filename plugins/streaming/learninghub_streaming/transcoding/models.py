"""Tables of the transcoding part."""

from __future__ import annotations
