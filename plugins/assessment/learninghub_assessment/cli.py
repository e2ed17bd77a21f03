"""``learninghub assessment ...`` commands (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click


@click.group(help="Quizzes, attempts and grades.")
def assessment() -> None:
    pass
