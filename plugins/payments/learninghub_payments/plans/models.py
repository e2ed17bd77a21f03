"""Tables of the plans part."""

from __future__ import annotations
