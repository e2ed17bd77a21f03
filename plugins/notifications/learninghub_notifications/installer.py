"""Per-tenant install, upgrade, uninstall and purge of the notifications plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class NotificationsInstaller(Installer):
    """No initial rows: without preferences and tenant defaults every type uses its
    ``default_channels``. Purge (inherited) deletes the plugin's tables' rows."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create (idempotent by construction)."""
