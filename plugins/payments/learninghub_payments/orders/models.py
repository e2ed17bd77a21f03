"""Tables of the orders part."""

from __future__ import annotations
