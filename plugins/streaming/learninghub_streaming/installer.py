"""Per-tenant install, upgrade, uninstall and purge of the streaming plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class StreamingInstaller(Installer):
    """A tenant starts with no streams; purge (inherited) deletes the tenant's
    ``streaming_*`` rows (its files under ``streaming/`` stay in storage until the
    media assets they belong to are deleted)."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""
