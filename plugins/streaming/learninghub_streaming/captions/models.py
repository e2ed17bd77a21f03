"""Tables of the captions part."""

from __future__ import annotations
