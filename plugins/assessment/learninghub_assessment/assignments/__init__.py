"""The assignments part of the assessment plugin (see docs/design/assessment-contracts.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
