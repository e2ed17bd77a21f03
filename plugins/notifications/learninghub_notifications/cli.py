"""``learninghub notifications ...``: the plugin's commands. The digest channel adds
``digest`` to this group (channels/digest.py)."""

from __future__ import annotations

import click


@click.group(help="Notifications: deliveries and digests.")
def notifications() -> None:
    pass
