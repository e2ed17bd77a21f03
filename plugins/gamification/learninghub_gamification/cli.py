"""Command line: ``learninghub gamification ...``."""

from __future__ import annotations

import click


@click.group()
def gamification() -> None:
    """Points, badges and leaderboards."""
