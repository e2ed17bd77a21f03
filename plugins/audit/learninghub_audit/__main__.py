"""``python -m learninghub_audit verify [--tenant SLUG]`` (see :mod:`.cli`)."""

from __future__ import annotations

import sys

import click

from learninghub.errors import LearningHubError

from .cli import main

if __name__ == "__main__":
    try:
        main.main(prog_name="python -m learninghub_audit", standalone_mode=True)
    except LearningHubError as exc:  # raised while building the app
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
