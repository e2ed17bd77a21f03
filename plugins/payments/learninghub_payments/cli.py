"""``learninghub payments ...`` commands (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click


@click.group(help="Orders, refunds and subscriptions.")
def payments() -> None:
    pass
