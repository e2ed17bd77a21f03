"""``learninghub streaming ...`` commands (entry point group ``learninghub.cli``)."""

from __future__ import annotations

import click


@click.group(help="Video and audio streams: transcoding, captions.")
def streaming() -> None:
    pass
