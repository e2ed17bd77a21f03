"""The plans part of the payments plugin (docs/design/commerce-contracts.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
