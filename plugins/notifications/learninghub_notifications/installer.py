"""Per-tenant install, upgrade, uninstall and purge of the notifications plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer


class NotificationsInstaller(Installer):
    """No preferences or tenant defaults (every type then uses its
    ``default_channels``); the tenant's VAPID key pair of the web push channel.
    Purge (inherited) deletes the plugin's tables' rows."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """The tenant's VAPID key pair (kept when it exists: an uninstall keeps data)."""
        from .channels.vapid import ensure_keys

        ensure_keys(context.registry, context.db)
