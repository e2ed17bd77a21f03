"""Tables of the stripe_gateway part."""

from __future__ import annotations
